import crypto from "node:crypto";
import { accessibleWhere } from "../../../policies/compile";
import { actorOf, record } from "../audit/record";
import type { DbOrTx, Tx } from "../db/pool";
import type { RequestContext } from "../http/context";
import { Conflict, Forbidden, Invalid } from "../http/errors";
import type { Page } from "../http/list";
import { recordOrgChange } from "../orgs/changes";
import { assertVersion, requireIfMatch } from "../http/concurrency";
import { audited, type Caller, callerOf, loadTarget } from "./access";
import {
  employeeNoTaken,
  membershipsOf,
  type UserListFilter,
  type UserRow,
  type UserValues,
  updateUser,
  usernameTaken,
  findUser,
  listUsers,
} from "./store";
import { employeeNoTakenError, personalColumns, type UserServiceDeps, usernameTakenError } from "./deps";
import { checkPersonal, nameKeys, normaliseEmail, normalisePhone, pinyinQuery } from "./fields";
import { resolveMemberships, writeMemberships } from "./memberships";
import { changedFieldNames, changesOf, openPersonal, toUserDto } from "./present";
import type { CreateUserBody, MembershipInput, PatchUserBody, UserDto, UserFilter, UserSort } from "./schemas";
import { canOnUser, USER_FIELDS } from "./visibility";

/** Placeholder hash until the one-time password is set in the same transaction: never verifies. */
const NO_PASSWORD = "!unset";

export function createUserService(deps: UserServiceDeps) {
  const { db, fields } = deps;
  const now = deps.now ?? (() => new Date());

  async function present(tx: DbOrTx, row: UserRow): Promise<UserDto> {
    return toUserDto(fields, row, await membershipsOf(tx, [row.id]), now());
  }

  async function reload(tx: DbOrTx, caller: Caller, id: string): Promise<UserDto> {
    const row = await findUser(tx, caller.principal.tenantId, id);
    if (!row) throw new Error(`account ${id} vanished inside its own transaction`);
    return present(tx, row);
  }

  function personalOrThrow(input: { phone?: string | null; email?: string | null }) {
    const { value, errors } = checkPersonal(input, "body.");
    if (errors.length > 0) {
      throw new Invalid("VALIDATION_FAILED", "Invalid body.", "请求参数校验失败。", errors);
    }
    return value;
  }

  /** The visibility WHERE for lists and exports, from the caller's CASL rules (never in memory). */
  function searchFilter(caller: Caller, f: UserFilter): UserListFilter {
    const allowed = accessibleWhere(caller.ability, "read", "User", USER_FIELDS);
    if (!allowed) throw new Error("route guard admitted a caller with no read User rule");
    let phoneBidx: string | undefined;
    let emailBidx: string | undefined;
    if (f.phone !== undefined) {
      const phone = normalisePhone(f.phone);
      if (!phone) throw badFilter("phone", "手机号格式不正确。");
      phoneBidx = fields.blindIndex("phone", phone);
    }
    if (f.email !== undefined) {
      const email = normaliseEmail(f.email);
      if (!email) throw badFilter("email", "电子邮箱格式不正确。");
      emailBidx = fields.blindIndex("email", email);
    }
    return {
      tenantId: caller.principal.tenantId,
      allowed,
      q: f.q,
      qPinyin: f.q === undefined ? undefined : pinyinQuery(f.q),
      phoneBidx,
      emailBidx,
      departmentId: f.departmentId,
      includeSubDepartments: f.includeSubDepartments,
      dimensionId: f.dimensionId,
      postId: f.postId,
      title: f.title,
      status: f.status,
    };
  }

  async function assertEmployeeNoFree(tx: Tx, tenantId: string, employeeNo: string, self: string | null) {
    if (await employeeNoTaken(tx, tenantId, employeeNo, self)) throw employeeNoTakenError(employeeNo);
  }

  return {
    searchFilter,

    async list(ctx: RequestContext, filter: UserFilter, page: Page<UserSort>) {
      const caller = callerOf(ctx);
      const { rows, total } = await listUsers(db, searchFilter(caller, filter), page);
      const memberships = await membershipsOf(
        db,
        rows.map((r) => r.id),
      );
      const at = now();
      return {
        total,
        rows: rows.map((r) =>
          toUserDto(
            fields,
            r,
            memberships.filter((m) => m.user_id === r.id),
            at,
          ),
        ),
      };
    },

    async get(ctx: RequestContext, id: string): Promise<UserDto> {
      const caller = callerOf(ctx);
      const { row } = await loadTarget(db, caller, id, "read");
      return present(db, row);
    },

    async create(ctx: RequestContext, body: CreateUserBody): Promise<{ user: UserDto; oneTimePassword: string }> {
      const caller = callerOf(ctx);
      const personal = personalOrThrow(body);
      return audited(db, caller, "user.create", null, async (tx) => {
        const tenantId = caller.principal.tenantId;
        if (await usernameTaken(tx, tenantId, body.username)) throw usernameTakenError();
        if (body.employeeNo) await assertEmployeeNoFree(tx, tenantId, body.employeeNo, null);
        const memberships = await resolveMemberships(tx, tenantId, body.memberships ?? []);
        const subject = {
          id: "",
          status: "active",
          clearanceLevel: body.clearanceLevel ?? 0,
          departmentPaths: [...new Set(memberships.flatMap((m) => m.path))],
        };
        // A scoped admin creates people only inside its subtree: the new memberships must be there.
        if (!canOnUser(caller.ability, "create", subject)) {
          throw new Forbidden(
            "FORBIDDEN",
            "You may create accounts only in departments you administer.",
            "只能在您管理的部门中创建账号。",
          );
        }
        const id = crypto.randomUUID();
        const keys = nameKeys(body.displayName);
        await tx
          .insertInto("users")
          .values({
            id,
            tenant_id: tenantId,
            username: body.username,
            display_name: body.displayName,
            password_hash: NO_PASSWORD,
            must_change_password: true,
            employee_no: body.employeeNo ?? null,
            name_pinyin: keys.pinyin,
            name_initials: keys.initials,
            clearance_level: body.clearanceLevel ?? 0,
            attributes: JSON.stringify(body.attributes ?? {}),
            ...personalColumns(fields, id, personal),
          })
          .execute();
        await writeMemberships(tx, tenantId, id, memberships);
        const oneTimePassword = deps.accounts.generateOneTimePassword();
        await deps.accounts.setPasswordByAdmin(tx, id, oneTimePassword, deps.pbkdf2Iterations);
        const user = await reload(tx, caller, id);
        await recordOrgChange(tx, {
          tenantId,
          entity: "user",
          entityId: id,
          op: "created",
          data: { status: user.status, version: user.version },
        });
        await record(tx, {
          ...actorOf(ctx),
          action: "user.create",
          targetType: "User",
          targetId: id,
          result: "success",
          detail: { username: body.username, ...changesOf(null, user) },
        });
        return { user, oneTimePassword };
      });
    },

    async update(ctx: RequestContext, id: string, ifMatch: string | undefined, body: PatchUserBody): Promise<UserDto> {
      const caller = callerOf(ctx);
      const version = requireIfMatch(ifMatch);
      const personal = personalOrThrow(body);
      return audited(db, caller, "user.update", id, async (tx) => {
        const { row } = await loadTarget(tx, caller, id, "update");
        assertVersion("account", row.version, version);
        assertNotDeleted(row);
        const before = await present(tx, row);
        const set: UserValues = personalColumns(fields, id, personal);
        if (body.displayName !== undefined) {
          const keys = nameKeys(body.displayName);
          Object.assign(set, {
            display_name: body.displayName,
            name_pinyin: keys.pinyin,
            name_initials: keys.initials,
          });
        }
        if (body.employeeNo !== undefined) {
          if (body.employeeNo !== null && body.employeeNo !== row.employee_no) {
            await assertEmployeeNoFree(tx, row.tenant_id, body.employeeNo, id);
          }
          set.employee_no = body.employeeNo;
        }
        if (body.clearanceLevel !== undefined) set.clearance_level = body.clearanceLevel;
        if (body.attributes !== undefined) set.attributes = JSON.stringify(body.attributes);
        await updateUser(tx, id, set);
        const after = await reload(tx, caller, id);
        await recordOrgChange(tx, {
          tenantId: row.tenant_id,
          entity: "user",
          entityId: id,
          op: "updated",
          data: { changed: changedFieldNames(before, after), version: after.version },
        });
        await record(tx, {
          ...actorOf(ctx),
          action: "user.update",
          targetType: "User",
          targetId: id,
          result: "success",
          detail: changesOf(before, after),
        });
        return after;
      });
    },

    async setMemberships(
      ctx: RequestContext,
      id: string,
      ifMatch: string | undefined,
      input: MembershipInput[],
    ): Promise<UserDto> {
      const caller = callerOf(ctx);
      const version = requireIfMatch(ifMatch);
      return audited(db, caller, "user.memberships.update", id, async (tx) => {
        const { row } = await loadTarget(tx, caller, id, "update");
        assertVersion("account", row.version, version);
        assertNotDeleted(row);
        const before = await present(tx, row);
        const next = await resolveMemberships(tx, row.tenant_id, input);
        const subject = {
          id,
          status: row.status,
          clearanceLevel: row.clearance_level,
          departmentPaths: [...new Set(next.flatMap((m) => m.path))],
        };
        // A scoped admin may not move someone out of its subtree (that would hand them to nobody).
        if (!canOnUser(caller.ability, "update", subject)) {
          throw new Forbidden(
            "FORBIDDEN",
            "The new departments must be ones you administer.",
            "新的部门须在您的管理范围内。",
          );
        }
        await writeMemberships(tx, row.tenant_id, id, next);
        await updateUser(tx, id, {});
        const after = await reload(tx, caller, id);
        await record(tx, {
          ...actorOf(ctx),
          action: "user.memberships.update",
          targetType: "User",
          targetId: id,
          result: "success",
          detail: changesOf(before, after),
        });
        return after;
      });
    },

    async personalData(ctx: RequestContext, id: string): Promise<{ phone: string | null; email: string | null }> {
      const caller = callerOf(ctx);
      return audited(
        db,
        caller,
        "user.personal_data.view",
        id,
        async (tx) => {
          const { row } = await loadTarget(tx, caller, id, "read");
          // The clear values are for the system administrator only (ARCHITECTURE §4.5), and audited.
          if (caller.principal.role !== "sysadmin") {
            throw new Forbidden(
              "PERSONAL_DATA_FORBIDDEN",
              "Only the system administrator may view personal data in the clear.",
              "仅系统管理员可查看明文个人信息。",
            );
          }
          const clear = openPersonal(fields, row);
          await record(tx, {
            ...actorOf(ctx),
            action: "user.personal_data.view",
            targetType: "User",
            targetId: id,
            result: "success",
            detail: { fields: Object.keys(clear).filter((k) => clear[k as keyof typeof clear] !== null) },
          });
          return clear;
        },
        { orgLock: false },
      );
    },
  };
}

export function assertNotDeleted(row: UserRow): void {
  if (row.status === "deleted") {
    throw new Conflict(
      "USER_DELETED",
      "The account is deleted; its data is kept only until erasure.",
      "该账号已删除，仅在清除前保留。",
    );
  }
}

function badFilter(field: string, zh: string): Invalid {
  return new Invalid("VALIDATION_FAILED", "Invalid query.", "请求参数校验失败。", [
    { path: `query.${field}`, message: `Not a valid ${field}.`, zh },
  ]);
}

export type UserService = ReturnType<typeof createUserService>;
