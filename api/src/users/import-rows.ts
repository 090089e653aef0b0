import type { AppAbility } from "../../../policies/ability";
import type { DbOrTx } from "../db/pool";
import { checkPersonal, EMPLOYEE_NO, USERNAME } from "./fields";
import { IMPORT_COLUMNS, type ImportColumn, type SheetRow } from "./import-file";
import type { ResolvedMembership } from "./memberships";
import type { ImportResult } from "./schemas";
import { canOnUser } from "./visibility";

export type ImportError = ImportResult["errors"][number];

/** One account to create, assembled from one or more rows (one row per membership). */
export interface ImportedUser {
  row: number;
  username: string;
  displayName: string;
  employeeNo: string | null;
  phone: string | null;
  email: string | null;
  memberships: ResolvedMembership[];
}

interface Department {
  id: string;
  dimension_id: string;
  path: string[];
  name: string;
  code: string | null;
  status: string;
}

/** The tenant's directory, loaded once per import to resolve codes and name paths in memory. */
export async function loadDirectory(db: DbOrTx, tenantId: string) {
  const [departments, dimensions, posts, users] = await Promise.all([
    db
      .selectFrom("departments")
      .select(["id", "dimension_id", "path", "name", "code", "status"])
      .where("tenant_id", "=", tenantId)
      .execute(),
    db.selectFrom("dimensions").select(["id", "code"]).where("tenant_id", "=", tenantId).execute(),
    db.selectFrom("posts").select(["id", "code"]).where("tenant_id", "=", tenantId).execute(),
    db
      .selectFrom("users")
      .select(["username", "employee_no", "deleted_at"])
      .where("tenant_id", "=", tenantId)
      .execute(),
  ]);
  const nameOf = new Map(departments.map((d) => [d.id, d.name]));
  const dimensionCode = new Map(dimensions.map((d) => [d.id, d.code]));
  const byCode = new Map<string, Department>();
  const byPath = new Map<string, Department[]>();
  for (const d of departments) {
    if (d.code) byCode.set(d.code, d);
    // Merged departments keep their names for history; a path names the live one.
    if (d.status === "merged") continue;
    const names = d.path.map((id) => nameOf.get(id) ?? "").join("/");
    for (const key of [names, `${dimensionCode.get(d.dimension_id)}:${names}`]) {
      byPath.set(key, [...(byPath.get(key) ?? []), d]);
    }
  }
  return {
    byCode,
    byPath,
    posts: new Map(posts.map((p) => [p.code, p.id])),
    usernames: new Set(users.map((u) => u.username.toLowerCase())),
    employeeNos: new Set(
      users.filter((u) => u.deleted_at === null && u.employee_no).map((u) => u.employee_no as string),
    ),
  };
}
export type Directory = Awaited<ReturnType<typeof loadDirectory>>;

const TRUE = new Set(["true", "1", "yes", "y", "是", "主"]);
const FALSE = new Set(["false", "0", "no", "n", "否", ""]);

/**
 * Validates every row against the rules of POST /users and the tenant's directory, and groups rows
 * into accounts. Every problem is reported (row, field, English, Chinese); nothing stops at the first.
 */
export function validateRows(
  rows: SheetRow[],
  dir: Directory,
  ability: AppAbility,
): { users: ImportedUser[]; errors: ImportError[] } {
  const errors: ImportError[] = [];
  const err = (row: number, field: ImportColumn | "file", message: string, zh: string) =>
    errors.push({ row, field, message, zh });
  const users = new Map<string, ImportedUser & { primaryGiven: Set<string> }>();
  const employeeNosInFile = new Map<string, number>();

  for (const { row, values: v } of rows) {
    const username = v.username ?? "";
    if (!USERNAME.test(username)) {
      err(
        row,
        "username",
        "Required: letters, digits and . _ @ - (at most 64).",
        "用户名必填，只能包含字母、数字及 . _ @ -，最多 64 位。",
      );
      continue;
    }
    const key = username.toLowerCase();
    let user = users.get(key);
    if (!user) {
      if (dir.usernames.has(key))
        err(row, "username", `Username ${username} already exists.`, `用户名 ${username} 已存在。`);
      const displayName = v.displayName ?? "";
      if (displayName.length < 1 || displayName.length > 100) {
        err(row, "displayName", "Required, at most 100 characters.", "姓名必填，最多 100 个字符。");
      }
      const employeeNo = v.employeeNo ?? null;
      if (employeeNo !== null) {
        if (!EMPLOYEE_NO.test(employeeNo)) {
          err(
            row,
            "employeeNo",
            "Letters, digits and . _ - (at most 64).",
            "工号只能包含字母、数字及 . _ -，最多 64 位。",
          );
        } else if (dir.employeeNos.has(employeeNo)) {
          err(
            row,
            "employeeNo",
            `Employee number ${employeeNo} already belongs to another account.`,
            `工号 ${employeeNo} 已被其他账号使用。`,
          );
        } else if (employeeNosInFile.has(employeeNo)) {
          err(
            row,
            "employeeNo",
            `Employee number ${employeeNo} is also on row ${employeeNosInFile.get(employeeNo)}.`,
            `工号 ${employeeNo} 与第 ${employeeNosInFile.get(employeeNo)} 行重复。`,
          );
        } else employeeNosInFile.set(employeeNo, row);
      }
      const personal = checkPersonal({ phone: v.phone, email: v.email }, "");
      for (const e of personal.errors) err(row, e.path as ImportColumn, e.message, e.zh);
      user = {
        row,
        username,
        displayName,
        employeeNo,
        phone: personal.value.phone ?? null,
        email: personal.value.email ?? null,
        memberships: [],
        primaryGiven: new Set(),
      };
      users.set(key, user);
    } else {
      // Further rows of the same account add memberships; they may not contradict the first row.
      for (const field of ["displayName", "employeeNo", "phone", "email"] as const) {
        const first = field === "phone" || field === "email" ? null : user[field];
        if (v[field] !== undefined && first !== null && v[field] !== first) {
          err(
            row,
            field,
            `Differs from row ${user.row} of the same username.`,
            `与同一用户名的第 ${user.row} 行不一致。`,
          );
        }
      }
    }
    resolveMembershipCells(row, v, user, dir, err);
  }

  for (const user of users.values()) {
    const byDimension = new Map<string, ResolvedMembership[]>();
    for (const m of user.memberships) byDimension.set(m.dimensionId, [...(byDimension.get(m.dimensionId) ?? []), m]);
    for (const [dimension, members] of byDimension) {
      const primaries = members.filter((m) => m.isPrimary).length;
      const only = members[0];
      if (primaries === 0 && members.length === 1 && only && !user.primaryGiven.has(dimension)) only.isPrimary = true;
      else if (primaries !== 1) {
        err(
          user.row,
          "isPrimary",
          `Mark exactly one primary department per dimension (found ${primaries}).`,
          `每个维度须有且仅有一个主部门（当前 ${primaries} 个）。`,
        );
      }
    }
    const subject = {
      id: "",
      status: "active",
      clearanceLevel: 0,
      departmentPaths: [...new Set(user.memberships.flatMap((m) => m.path))],
    };
    if (!canOnUser(ability, "create", subject)) {
      err(
        user.row,
        "department",
        "You may create accounts only in departments you administer.",
        "只能在您管理的部门中创建账号。",
      );
    }
  }
  errors.sort((a, b) => a.row - b.row);
  return { users: [...users.values()].map(({ primaryGiven: _, ...u }) => u), errors };
}

function resolveMembershipCells(
  row: number,
  v: SheetRow["values"],
  user: ImportedUser & { primaryGiven: Set<string> },
  dir: Directory,
  err: (row: number, field: ImportColumn, message: string, zh: string) => void,
): void {
  if (v.department === undefined) {
    for (const field of ["post", "title", "isPrimary"] as const) {
      if (v[field] !== undefined)
        err(row, field, "Needs a department on the same row.", `${IMPORT_COLUMNS[field]}须与部门填写在同一行。`);
    }
    return;
  }
  const ref = v.department;
  // A code first; otherwise a path of names from the root ("总部/技术部"), optionally "dimcode:总部/技术部".
  const byCode = dir.byCode.get(ref);
  const candidates = byCode ? [byCode] : (dir.byPath.get(ref.replace(/^\/+|\/+$/g, "")) ?? []);
  if (candidates.length === 0) {
    err(row, "department", `No department with code or path "${ref}".`, `找不到编码或路径为“${ref}”的部门。`);
    return;
  }
  if (candidates.length > 1) {
    err(
      row,
      "department",
      `"${ref}" names departments in several dimensions; prefix the dimension code ("code:${ref}").`,
      `“${ref}”在多个维度中存在，请加维度编码前缀（如“code:${ref}”）。`,
    );
    return;
  }
  const dept = candidates[0] as Department;
  if (dept.status !== "active") {
    err(
      row,
      "department",
      `Department "${dept.name}" is ${dept.status}.`,
      `部门“${dept.name}”已${dept.status === "merged" ? "合并" : "停用"}。`,
    );
    return;
  }
  if (user.memberships.some((m) => m.departmentId === dept.id)) {
    err(row, "department", "The same department is listed twice for this username.", "同一用户重复填写了同一部门。");
    return;
  }
  let postId: string | null = null;
  if (v.post !== undefined) {
    postId = dir.posts.get(v.post) ?? null;
    if (postId === null) err(row, "post", `No post with code "${v.post}".`, `找不到编码为“${v.post}”的岗位。`);
  }
  if (v.title !== undefined && v.title.length > 100)
    err(row, "title", "At most 100 characters.", "职务最多 100 个字符。");
  const flag = (v.isPrimary ?? "").toLowerCase();
  if (!TRUE.has(flag) && !FALSE.has(flag)) {
    err(row, "isPrimary", "Use true/false (or 是/否).", "主部门请填写 是/否（或 true/false）。");
  } else if (v.isPrimary !== undefined) {
    // An explicit "否" on a dimension's only membership is a mistake to report, not to override.
    user.primaryGiven.add(dept.dimension_id);
  }
  user.memberships.push({
    departmentId: dept.id,
    dimensionId: dept.dimension_id,
    path: dept.path,
    isPrimary: TRUE.has(flag),
    postId,
    title: v.title ?? null,
    sortOrder: 0,
  });
}
