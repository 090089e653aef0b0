import { pageOf, setTotal, TOTAL_COUNT_HEADER } from "../http/list";
import type { RouteTable } from "../http/route";
import { z } from "../http/zod";
import { callerOf } from "./access";
import { ifMatchVersion, setEtag } from "../http/concurrency";
import {
  DepartmentCreateBody,
  DepartmentListQuery,
  DepartmentMergeBody,
  DepartmentMoveBody,
  DepartmentNodeSchema,
  DepartmentPatchBody,
  DepartmentReorderBody,
  DepartmentSchema,
  DepartmentTreeQuery,
} from "./department-schemas";
import { IdParams } from "./schemas";
import type { OrgServices } from "./service";

const tags = ["departments"];
const etagHeader = { etag: 'The version, e.g. "3"; send it back in If-Match' };
const CHANGE_PROBLEMS = [404, 409, 428];

export function registerDepartmentRoutes(routes: RouteTable, { departments }: Pick<OrgServices, "departments">): void {
  routes.add({
    method: "get",
    path: "/api/v1/departments",
    operationId: "listDepartments",
    summary: "List departments the caller may see; q matches name, full pinyin or initials",
    tags,
    access: { ability: { action: "read", subject: "OrgUnit" } },
    query: DepartmentListQuery,
    response: {
      status: 200,
      description: "A page of departments",
      schema: z.array(DepartmentSchema),
      headers: { [TOTAL_COUNT_HEADER]: "Total number of matching departments" },
    },
    async handler({ query, ctx, res }) {
      const { rows, total } = await departments.list(
        callerOf(ctx),
        {
          dimensionId: query.dimensionId,
          parentId: query.parentId === "null" ? null : query.parentId,
          q: query.q,
          status: query.status,
        },
        pageOf(query),
      );
      setTotal(res, total);
      return rows;
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/departments/tree",
    operationId: "getDepartmentTree",
    summary: "A dimension's department tree, nested; at most 5,000 nodes (narrow with rootId/depth)",
    tags,
    access: { ability: { action: "read", subject: "OrgUnit" } },
    query: DepartmentTreeQuery,
    response: {
      status: 200,
      description: "Top-level nodes with their children",
      schema: z.array(DepartmentNodeSchema),
    },
    problems: [404],
    handler: ({ query, ctx }) => departments.tree(callerOf(ctx), query),
  });

  routes.add({
    method: "post",
    path: "/api/v1/departments",
    operationId: "createDepartment",
    summary: "Create a department under a parent of the same dimension (parentId null: a top-level one)",
    tags,
    access: { ability: { action: "create", subject: "OrgUnit" } },
    body: DepartmentCreateBody,
    response: { status: 201, description: "Created", schema: DepartmentSchema, headers: etagHeader },
    problems: [404, 409],
    async handler({ body, ctx, res }) {
      const dept = await departments.create(callerOf(ctx), body);
      setEtag(res, dept.version);
      return dept;
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/departments/reorder",
    operationId: "reorderDepartments",
    summary: "Order the children of one parent (orderedIds: exactly the current children)",
    tags,
    access: { ability: { action: "update", subject: "OrgUnit" } },
    body: DepartmentReorderBody,
    response: { status: 200, description: "The children in their new order", schema: z.array(DepartmentSchema) },
    problems: [404, 409],
    handler: ({ body, ctx }) => departments.reorder(callerOf(ctx), body),
  });

  routes.add({
    method: "get",
    path: "/api/v1/departments/:id",
    operationId: "getDepartment",
    summary: "One department",
    tags,
    access: { ability: { action: "read", subject: "OrgUnit" } },
    params: IdParams,
    response: { status: 200, description: "The department", schema: DepartmentSchema, headers: etagHeader },
    problems: [404],
    async handler({ params, ctx, res }) {
      const dept = await departments.get(callerOf(ctx), params.id);
      setEtag(res, dept.version);
      return dept;
    },
  });

  routes.add({
    method: "patch",
    path: "/api/v1/departments/:id",
    operationId: "updateDepartment",
    summary: "Rename or renumber a department (If-Match required)",
    tags,
    access: { ability: { action: "update", subject: "OrgUnit" } },
    params: IdParams,
    body: DepartmentPatchBody,
    response: { status: 200, description: "Updated", schema: DepartmentSchema, headers: etagHeader },
    problems: CHANGE_PROBLEMS,
    async handler({ params, body, ctx, req, res }) {
      const dept = await departments.update(callerOf(ctx), params.id, ifMatchVersion(req), body);
      setEtag(res, dept.version);
      return dept;
    },
  });

  routes.add({
    method: "delete",
    path: "/api/v1/departments/:id",
    operationId: "deleteDepartment",
    summary: "Delete an empty department: no sub-departments, no members (If-Match required)",
    tags,
    access: { ability: { action: "delete", subject: "OrgUnit" } },
    params: IdParams,
    response: { status: 204, description: "Deleted" },
    problems: CHANGE_PROBLEMS,
    async handler({ params, ctx, req }) {
      await departments.remove(callerOf(ctx), params.id, ifMatchVersion(req));
      return undefined;
    },
  });

  const action = (
    name: "move" | "merge" | "disable" | "enable",
    summary: string,
    run: (id: string, version: number, ctx: Parameters<typeof callerOf>[0], body: unknown) => Promise<unknown>,
    body?: typeof DepartmentMoveBody | typeof DepartmentMergeBody,
  ) =>
    routes.add({
      method: "post",
      path: `/api/v1/departments/:id/${name}`,
      operationId: `${name}Department`,
      summary,
      tags,
      access: { ability: { action: "update", subject: "OrgUnit" } },
      params: IdParams,
      ...(body ? { body } : {}),
      response: {
        status: 200,
        description: "The department afterwards",
        schema: DepartmentSchema,
        headers: etagHeader,
      },
      problems: CHANGE_PROBLEMS,
      async handler({ params, body: input, ctx, req, res }) {
        const dept = (await run(params.id, ifMatchVersion(req), ctx, input)) as z.infer<typeof DepartmentSchema>;
        setEtag(res, dept.version);
        return dept;
      },
    });

  action(
    "move",
    "Move a department and its subtree under another parent of the same dimension (If-Match required)",
    (id, version, ctx, body) =>
      departments.move(callerOf(ctx), id, version, body as z.infer<typeof DepartmentMoveBody>),
    DepartmentMoveBody,
  );
  action(
    "merge",
    "Merge a department into another of the same dimension: children and members move there (If-Match required)",
    (id, version, ctx, body) =>
      departments.merge(callerOf(ctx), id, version, (body as z.infer<typeof DepartmentMergeBody>).intoId),
    DepartmentMergeBody,
  );
  action("disable", "Disable a department and its subtree (If-Match required)", (id, version, ctx) =>
    departments.setStatus(callerOf(ctx), id, version, "disabled"),
  );
  action(
    "enable",
    "Enable a department and its subtree; the parent must be active (If-Match required)",
    (id, version, ctx) => departments.setStatus(callerOf(ctx), id, version, "active"),
  );
}
