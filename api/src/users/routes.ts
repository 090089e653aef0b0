import type { Response } from "express";
import type { RequestContext } from "../http/context";
import type { RouteTable } from "../http/route";
import { pageOf, setTotal, TOTAL_COUNT_HEADER } from "../http/list";
import { z } from "../http/zod";
import { CSV_TYPE, MAX_IMPORT_BYTES, XLSX_TYPE } from "./import-file";
import type { People } from "./people";
import {
  CreatedUserSchema,
  CreateUserBody,
  ImportQuery,
  ImportResultSchema,
  MembershipsBody,
  OneTimePasswordSchema,
  PatchUserBody,
  PersonalDataSchema,
  UserFilterQuery,
  UserIdParams,
  UserListQuery,
  UserSchema,
} from "./schemas";

const TAGS = ["users"];
const ETAG = { etag: 'The version, e.g. "3"; send it back in If-Match' };

/**
 * One lifecycle step, served as POST /api/v1/users/:id/<verb> with `update User` and If-Match
 * (optional unless the step requires it: 428); only what it answers differs.
 */
interface LifecycleStep {
  verb: string;
  operationId: string;
  summary: string;
  /** Beyond 404 and 409: 428 where If-Match is required. */
  requiresIfMatch?: boolean;
  response: { description: string; schema: z.ZodType; headers?: Record<string, string> };
  run(ctx: RequestContext, id: string, ifMatch: string | undefined, res: Response): Promise<unknown>;
}

function lifecycleSteps(lifecycle: People["lifecycle"]): LifecycleStep[] {
  // The steps that answer with the account carry its new version as the ETag.
  const accountStep = (
    verb: "disable" | "enable" | "unlock" | "resetSecondFactor",
    operationId: string,
    summary: string,
    requiresIfMatch = false,
  ) => ({
    verb: verb === "resetSecondFactor" ? "reset-second-factor" : verb,
    operationId,
    summary: `${summary} (If-Match ${requiresIfMatch ? "required; never one's own account" : "optional"})`,
    requiresIfMatch,
    response: { description: "The account", schema: UserSchema, headers: ETAG },
    async run(ctx: RequestContext, id: string, ifMatch: string | undefined, res: Response) {
      const user = await lifecycle[verb](ctx, id, ifMatch);
      res.setHeader("etag", `"${user.version}"`);
      return user;
    },
  });
  return [
    accountStep("disable", "disableUser", "Disable an account and revoke its sessions"),
    accountStep("enable", "enableUser", "Enable a disabled account"),
    accountStep("unlock", "unlockUser", "Clear an account's failed sign-ins and lockout"),
    {
      verb: "reset-password",
      operationId: "resetUserPassword",
      summary: "Set a one-time password (returned once), force a change at next sign-in, revoke sessions",
      response: { description: "The one-time password", schema: OneTimePasswordSchema },
      run: (ctx, id, ifMatch) => lifecycle.resetPassword(ctx, id, ifMatch),
    },
    accountStep(
      "resetSecondFactor",
      "resetUserSecondFactor",
      "Remove an account's second factors and recovery codes and revoke its sessions; the next sign-in " +
        "enrols a new factor where one is required",
      true,
    ),
  ];
}

/** People (accounts, memberships, personal data, lifecycle, import/export): docs/api.md "People". */
export function registerUserRoutes(routes: RouteTable, people: People): void {
  const { users, lifecycle, importUsers, exportUsers } = people;

  routes.add({
    method: "get",
    path: "/api/v1/users",
    operationId: "listUsers",
    summary: "Search accounts the caller may see (name, pinyin, initials, employee no., phone, e-mail, department…)",
    tags: TAGS,
    access: { ability: { action: "read", subject: "User" } },
    query: UserListQuery,
    response: {
      status: 200,
      description: "A page of accounts, personal data masked",
      schema: z.array(UserSchema),
      headers: { [TOTAL_COUNT_HEADER]: "Total number of matching accounts" },
    },
    async handler({ query, ctx, res }) {
      const { _start, _end, _sort, _order, ...filter } = query;
      const { rows, total } = await users.list(ctx, filter, pageOf({ _start, _end, _sort, _order }));
      setTotal(res, total);
      return rows;
    },
  });

  // Registered before /users/:id so "export" is not taken for an id.
  routes.add({
    method: "get",
    path: "/api/v1/users/export",
    operationId: "exportUsers",
    summary: "Export the accounts matching the list filters as XLSX (personal data masked; audited)",
    tags: TAGS,
    access: { ability: { action: "read", subject: "User" } },
    query: UserFilterQuery,
    response: { status: 200, description: `An XLSX workbook (${XLSX_TYPE})` },
    problems: [413],
    async handler({ query, ctx, res }) {
      await exportUsers(ctx, query, res);
      return undefined;
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/users/import",
    operationId: "importUsers",
    summary: "Import accounts from CSV (UTF-8 or GBK) or XLSX; row-by-row report; dryRun validates only",
    tags: TAGS,
    access: { ability: { action: "create", subject: "User" } },
    query: ImportQuery,
    upload: { contentTypes: [CSV_TYPE, XLSX_TYPE], maxBytes: MAX_IMPORT_BYTES },
    response: { status: 200, description: "The import report", schema: ImportResultSchema },
    problems: [409],
    async handler({ query, upload, ctx }) {
      if (!upload) throw new Error("upload route reached without an upload");
      return importUsers(ctx, upload, query.dryRun);
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/users",
    operationId: "createUser",
    summary: "Create an account; the one-time password is returned once and must be changed at first sign-in",
    tags: TAGS,
    access: { ability: { action: "create", subject: "User" } },
    body: CreateUserBody,
    response: { status: 201, description: "Created", schema: CreatedUserSchema },
    problems: [404, 409],
    async handler({ body, ctx, res }) {
      const created = await users.create(ctx, body);
      res.setHeader("etag", `"${created.user.version}"`);
      return created;
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/users/:id",
    operationId: "getUser",
    summary: "One account (personal data masked), with its ETag",
    tags: TAGS,
    access: { ability: { action: "read", subject: "User" } },
    params: UserIdParams,
    response: { status: 200, description: "The account", schema: UserSchema, headers: ETAG },
    problems: [404],
    async handler({ params, ctx, res }) {
      const user = await users.get(ctx, params.id);
      res.setHeader("etag", `"${user.version}"`);
      return user;
    },
  });

  routes.add({
    method: "patch",
    path: "/api/v1/users/:id",
    operationId: "updateUser",
    summary: "Change an account's profile (If-Match required)",
    tags: TAGS,
    access: { ability: { action: "update", subject: "User" } },
    params: UserIdParams,
    body: PatchUserBody,
    response: { status: 200, description: "The changed account", schema: UserSchema, headers: ETAG },
    problems: [404, 409, 428],
    async handler({ params, body, ctx, req, res }) {
      const user = await users.update(ctx, params.id, req.get("if-match"), body);
      res.setHeader("etag", `"${user.version}"`);
      return user;
    },
  });

  routes.add({
    method: "put",
    path: "/api/v1/users/:id/memberships",
    operationId: "setUserMemberships",
    summary: "Replace an account's department memberships (one primary per dimension; If-Match required)",
    tags: TAGS,
    access: { ability: { action: "update", subject: "User" } },
    params: UserIdParams,
    body: MembershipsBody,
    response: { status: 200, description: "The changed account", schema: UserSchema, headers: ETAG },
    problems: [404, 409, 428],
    async handler({ params, body, ctx, req, res }) {
      const user = await users.setMemberships(ctx, params.id, req.get("if-match"), body);
      res.setHeader("etag", `"${user.version}"`);
      return user;
    },
  });

  routes.add({
    method: "delete",
    path: "/api/v1/users/:id",
    operationId: "deleteUser",
    summary: "Soft-delete an account; its personal data is erased after the retention period (If-Match required)",
    tags: TAGS,
    access: { ability: { action: "delete", subject: "User" } },
    params: UserIdParams,
    response: { status: 204, description: "Deleted" },
    problems: [404, 409, 428],
    async handler({ params, ctx, req }) {
      await lifecycle.remove(ctx, params.id, req.get("if-match"));
      return undefined;
    },
  });

  for (const step of lifecycleSteps(lifecycle)) {
    routes.add({
      method: "post",
      path: `/api/v1/users/:id/${step.verb}`,
      operationId: step.operationId,
      summary: step.summary,
      tags: TAGS,
      access: { ability: { action: "update", subject: "User" } },
      params: UserIdParams,
      response: { status: 200, ...step.response },
      problems: step.requiresIfMatch ? [404, 409, 428] : [404, 409],
      handler: ({ params, ctx, req, res }) => step.run(ctx, params.id, req.get("if-match"), res),
    });
  }

  routes.add({
    method: "get",
    path: "/api/v1/users/:id/personal-data",
    operationId: "getUserPersonalData",
    summary: "Phone and e-mail in the clear (sysadmin only; every view is audited)",
    tags: TAGS,
    access: { ability: { action: "read", subject: "User" } },
    params: UserIdParams,
    response: { status: 200, description: "The clear values", schema: PersonalDataSchema },
    problems: [404],
    async handler({ params, ctx }) {
      return users.personalData(ctx, params.id);
    },
  });
}
