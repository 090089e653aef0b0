import { pageOf, setTotal, TOTAL_COUNT_HEADER } from "../http/list";
import type { RouteTable } from "../http/route";
import { z } from "../http/zod";
import { callerOf } from "./access";
import { ifMatchVersion, setEtag } from "../http/concurrency";
import { registerDepartmentRoutes } from "./department-routes";
import { FEED_SCOPE } from "./feed";
import {
  CodeNameListQuery,
  DimensionCreateBody,
  DimensionPatchBody,
  DimensionSchema,
  IdParams,
  OrgChangesQuery,
  OrgChangesResponse,
  PostCreateBody,
  PostPatchBody,
  PostSchema,
  TenantCreateBody,
  TenantCreated,
  TenantListQuery,
  TenantPatchBody,
  TenantSchema,
} from "./schemas";
import type { OrgServices } from "./service";

const etagHeader = { etag: 'The version, e.g. "3"; send it back in If-Match' };
const totalHeader = { [TOTAL_COUNT_HEADER]: "Total number of matching rows" };
const CHANGE_PROBLEMS = [404, 409, 428];

/** Tenants, dimensions, departments, posts and the org change feed (统一组织架构). */
export function registerOrgRoutes(routes: RouteTable, orgs: OrgServices): void {
  registerTenantRoutes(routes, orgs);
  registerCodeNameRoutes(routes, orgs);
  registerDepartmentRoutes(routes, orgs);
  routes.add({
    method: "get",
    path: "/api/v1/org-changes",
    operationId: "listOrgChanges",
    summary:
      "The tenant's org change feed after a cursor, oldest first (统一组织架构对接); a signed-in admin or an API client with org:read",
    tags: ["org-changes"],
    access: { ability: { action: "read", subject: "OrgUnit" }, orApiClient: { scope: FEED_SCOPE } },
    query: OrgChangesQuery,
    response: {
      status: 200,
      description: "Changes after `after`, and the cursor to pass next",
      schema: OrgChangesResponse,
    },
    handler: ({ query, ctx }) => orgs.changes.read(ctx, query.after, query.limit),
  });
}

function registerTenantRoutes(routes: RouteTable, { tenants }: Pick<OrgServices, "tenants">): void {
  const tags = ["tenants"];
  routes.add({
    method: "get",
    path: "/api/v1/tenants",
    operationId: "listTenants",
    summary: "Tenants: all of them for the platform tenant's sysadmin, otherwise the caller's own",
    tags,
    access: { ability: { action: "read", subject: "Tenant" } },
    query: TenantListQuery,
    response: { status: 200, description: "A page of tenants", schema: z.array(TenantSchema), headers: totalHeader },
    async handler({ query, ctx, res }) {
      const { rows, total } = await tenants.list(callerOf(ctx), { q: query.q, status: query.status }, pageOf(query));
      setTotal(res, total);
      return rows;
    },
  });
  routes.add({
    method: "post",
    path: "/api/v1/tenants",
    operationId: "createTenant",
    summary: "Create a tenant with its three admin accounts; their one-time passwords are returned once",
    tags,
    access: { ability: { action: "create", subject: "Tenant" } },
    body: TenantCreateBody,
    response: { status: 201, description: "Created", schema: TenantCreated },
    problems: [409],
    handler: ({ body, ctx }) => tenants.create(callerOf(ctx), body),
  });
  routes.add({
    method: "get",
    path: "/api/v1/tenants/:id",
    operationId: "getTenant",
    summary: "One tenant",
    tags,
    access: { ability: { action: "read", subject: "Tenant" } },
    params: IdParams,
    response: { status: 200, description: "The tenant", schema: TenantSchema, headers: etagHeader },
    problems: [404],
    async handler({ params, ctx, res }) {
      const tenant = await tenants.get(callerOf(ctx), params.id);
      setEtag(res, tenant.version);
      return tenant;
    },
  });
  routes.add({
    method: "patch",
    path: "/api/v1/tenants/:id",
    operationId: "updateTenant",
    summary: "Rename a tenant (If-Match required)",
    tags,
    access: { ability: { action: "update", subject: "Tenant" } },
    params: IdParams,
    body: TenantPatchBody,
    response: { status: 200, description: "Updated", schema: TenantSchema, headers: etagHeader },
    problems: CHANGE_PROBLEMS,
    async handler({ params, body, ctx, req, res }) {
      const tenant = await tenants.rename(callerOf(ctx), params.id, ifMatchVersion(req), body.name);
      setEtag(res, tenant.version);
      return tenant;
    },
  });
  for (const [verb, to] of [
    ["disable", "disabled"],
    ["enable", "active"],
  ] as const) {
    routes.add({
      method: "post",
      path: `/api/v1/tenants/:id/${verb}`,
      operationId: `${verb}Tenant`,
      summary: `${verb === "disable" ? "Disable (signs everyone out)" : "Enable"} a tenant: platform sysadmin only (If-Match required)`,
      tags,
      access: { ability: { action: "update", subject: "Tenant" } },
      params: IdParams,
      response: { status: 200, description: "The tenant afterwards", schema: TenantSchema, headers: etagHeader },
      problems: CHANGE_PROBLEMS,
      async handler({ params, ctx, req, res }) {
        const tenant = await tenants.setStatus(callerOf(ctx), params.id, ifMatchVersion(req), to);
        setEtag(res, tenant.version);
        return tenant;
      },
    });
  }
}

/** Dimensions and posts: the same small CRUD shape. */
function registerCodeNameRoutes(
  routes: RouteTable,
  { dimensions, posts }: Pick<OrgServices, "dimensions" | "posts">,
): void {
  const kinds = [
    {
      plural: "dimensions",
      one: "Dimension",
      subject: "Dimension",
      service: dimensions,
      schema: DimensionSchema,
      create: DimensionCreateBody,
      patch: DimensionPatchBody,
    },
    {
      plural: "posts",
      one: "Post",
      subject: "Post",
      service: posts,
      schema: PostSchema,
      create: PostCreateBody,
      patch: PostPatchBody,
    },
  ] as const;
  for (const k of kinds) {
    const tags = [k.plural];
    const base = `/api/v1/${k.plural}`;
    // The two services share one call shape; the casts only bridge their parameter types.
    const service = k.service as unknown as typeof dimensions;
    routes.add({
      method: "get",
      path: base,
      operationId: `list${k.one}s`,
      summary: `List ${k.plural}`,
      tags,
      access: { ability: { action: "read", subject: k.subject } },
      query: CodeNameListQuery,
      response: { status: 200, description: `A page of ${k.plural}`, schema: z.array(k.schema), headers: totalHeader },
      async handler({ query, ctx, res }) {
        const { rows, total } = await service.list(callerOf(ctx), { q: query.q }, pageOf(query));
        setTotal(res, total);
        return rows;
      },
    });
    routes.add({
      method: "post",
      path: base,
      operationId: `create${k.one}`,
      summary: `Create a ${k.one.toLowerCase()} (code unique in the tenant)`,
      tags,
      access: { ability: { action: "create", subject: k.subject } },
      body: k.create,
      response: { status: 201, description: "Created", schema: k.schema, headers: etagHeader },
      problems: [409],
      async handler({ body, ctx, res }) {
        const row = await service.create(callerOf(ctx), body as Parameters<typeof dimensions.create>[1]);
        setEtag(res, row.version);
        return row;
      },
    });
    routes.add({
      method: "get",
      path: `${base}/:id`,
      operationId: `get${k.one}`,
      summary: `One ${k.one.toLowerCase()}`,
      tags,
      access: { ability: { action: "read", subject: k.subject } },
      params: IdParams,
      response: { status: 200, description: k.one, schema: k.schema, headers: etagHeader },
      problems: [404],
      async handler({ params, ctx, res }) {
        const row = await service.get(callerOf(ctx), params.id);
        setEtag(res, row.version);
        return row;
      },
    });
    routes.add({
      method: "patch",
      path: `${base}/:id`,
      operationId: `update${k.one}`,
      summary: `Change a ${k.one.toLowerCase()} (If-Match required)`,
      tags,
      access: { ability: { action: "update", subject: k.subject } },
      params: IdParams,
      body: k.patch,
      response: { status: 200, description: "Updated", schema: k.schema, headers: etagHeader },
      problems: CHANGE_PROBLEMS,
      async handler({ params, body, ctx, req, res }) {
        const row = await service.update(
          callerOf(ctx),
          params.id,
          ifMatchVersion(req),
          body as Parameters<typeof dimensions.update>[3],
        );
        setEtag(res, row.version);
        return row;
      },
    });
    routes.add({
      method: "delete",
      path: `${base}/:id`,
      operationId: `delete${k.one}`,
      summary: `Delete a ${k.one.toLowerCase()} nothing uses any more (If-Match required)`,
      tags,
      access: { ability: { action: "delete", subject: k.subject } },
      params: IdParams,
      response: { status: 204, description: "Deleted" },
      problems: CHANGE_PROBLEMS,
      async handler({ params, ctx, req }) {
        await service.remove(callerOf(ctx), params.id, ifMatchVersion(req));
        return undefined;
      },
    });
  }
}
