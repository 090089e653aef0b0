import type { Request } from "express";
import { ifMatchVersion, setEtag } from "../http/concurrency";
import { pageOf, setTotal, TOTAL_COUNT_HEADER } from "../http/list";
import type { RouteTable } from "../http/route";
import { z } from "../http/zod";
import type { EffectiveService } from "./effective";
import {
  CreateWatermarkBody,
  EffectiveQuery,
  EffectiveResponse,
  IdParams,
  MarkBody,
  MarkResponse,
  TestBody,
  TestResponse,
  TraceBody,
  TraceResponse,
  UpdateWatermarkBody,
  WatermarkListQuery,
  WatermarkPolicySchema,
} from "./schemas";
import type { PolicyService } from "./service";
import type { WatermarkPolicy } from "./store";

export const WATERMARK_SCOPE = "watermark:read";

const dto = (p: WatermarkPolicy) => ({
  id: p.id,
  name: p.name,
  description: p.description,
  enabled: p.enabled,
  priority: p.priority,
  scope: p.scope,
  validFrom: p.validFrom?.toISOString() ?? null,
  validTo: p.validTo?.toISOString() ?? null,
  template: p.template,
  customText: p.customText,
  style: p.style,
  version: p.version,
  createdBy: p.createdBy,
  createdAt: p.createdAt.toISOString(),
  updatedBy: p.updatedBy,
  updatedAt: p.updatedAt.toISOString(),
});

const tags = ["watermarks"];
const read = { ability: { action: "read", subject: "Watermark" } } as const;
/** Clients (business apps) read what their viewers get; secadmin may look too. */
const readOrClient = { ...read, orApiClient: { scope: WATERMARK_SCOPE } } as const;

/** If-None-Match names `etag` (or `*`): the client's copy is current. */
function notModified(req: Request, etag: string): boolean {
  const header = req.get("if-none-match");
  if (!header) return false;
  return header.split(",").some((t) => {
    const tag = t.trim().replace(/^W\//, "");
    return tag === "*" || tag === etag;
  });
}

export function registerWatermarkRoutes(
  routes: RouteTable,
  services: { policies: PolicyService; effective: EffectiveService },
): void {
  const { policies, effective } = services;

  routes.add({
    method: "get",
    path: "/api/v1/watermarks/effective",
    operationId: "getEffectiveWatermark",
    summary: "The watermark a user gets in an app and context: policy, filled lines, style, trace code, SVG tile",
    tags,
    access: readOrClient,
    query: EffectiveQuery,
    response: {
      status: 200,
      description: "The effective watermark (format=svg: the tile as image/svg+xml, 204 when none applies)",
      schema: EffectiveResponse,
      headers: { etag: "Changes when the policy, the user's fields or the period change; send it in If-None-Match" },
    },
    problems: [404],
    async handler({ query, ctx, req, res }) {
      const result = await effective.effective(ctx, { ...query, ip: query.ip ?? ctx.ip });
      res.setHeader("etag", result.etag);
      // Private (it names a person) and revalidated each time: a 304 costs one query, a stale
      // watermark after a policy change would cost more.
      res.setHeader("cache-control", "private, no-cache");
      if (notModified(req, result.etag)) {
        res.status(304).end();
        return undefined;
      }
      if (query.format === "svg") {
        if (result.svg === null) res.status(204).end();
        else res.status(200).type("image/svg+xml").send(result.svg);
        return undefined;
      }
      return result;
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/watermarks/mark",
    operationId: "markWatermarkText",
    summary: "Embed a user's invisible trace (user and minute) in text copied or exported from the platform",
    tags,
    access: readOrClient,
    body: MarkBody,
    response: { status: 200, description: "The marked text", schema: MarkResponse },
    problems: [404],
    handler: ({ body, ctx }) => effective.mark(ctx, body.userId, body.text, body.every),
  });

  routes.add({
    method: "post",
    path: "/api/v1/watermarks/trace",
    operationId: "traceWatermark",
    summary: "Decode a leaked text (invisible trace) or a tile's trace code back to the user and time (audited)",
    tags,
    access: read,
    body: TraceBody,
    response: { status: 200, description: "The traces found, first appearance first", schema: TraceResponse },
    handler: ({ body, ctx }) => effective.trace(ctx, body),
  });

  routes.add({
    method: "post",
    path: "/api/v1/watermarks/test",
    operationId: "testWatermark",
    summary: "Which policy a user gets in an app and context, and why (the console's tester)",
    tags,
    access: read,
    body: TestBody,
    response: {
      status: 200,
      description: "The chosen policy, the matching candidates in order, the rest",
      schema: TestResponse,
    },
    problems: [404],
    handler: ({ body, ctx }) => effective.test(ctx, body),
  });

  routes.add({
    method: "get",
    path: "/api/v1/watermarks",
    operationId: "listWatermarkPolicies",
    summary: "The tenant's watermark policies",
    tags,
    access: read,
    query: WatermarkListQuery,
    response: {
      status: 200,
      description: "A page of policies",
      schema: z.array(WatermarkPolicySchema),
      headers: { [TOTAL_COUNT_HEADER]: "Total number of matching policies" },
    },
    async handler({ query, ctx, res }) {
      const filter = {
        q: query.q,
        enabled: query.enabled === undefined ? undefined : query.enabled === "true",
        context: query.context,
        departmentId: query.departmentId,
        appId: query.appId,
      };
      const { rows, total } = await policies.list(ctx, filter, pageOf(query));
      setTotal(res, total);
      return rows.map(dto);
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/watermarks",
    operationId: "createWatermarkPolicy",
    summary: "Create a watermark policy",
    tags,
    access: { ability: { action: "create", subject: "Watermark" } },
    body: CreateWatermarkBody,
    response: { status: 201, description: "Created", schema: WatermarkPolicySchema, headers: { etag: "Version" } },
    problems: [409],
    async handler({ body, ctx, res }) {
      const policy = await policies.create(ctx, body);
      setEtag(res, policy.version);
      res.location(`/api/v1/watermarks/${policy.id}`);
      return dto(policy);
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/watermarks/:id",
    operationId: "getWatermarkPolicy",
    summary: "One watermark policy (ETag: its version)",
    tags,
    access: read,
    params: IdParams,
    response: { status: 200, description: "The policy", schema: WatermarkPolicySchema, headers: { etag: "Version" } },
    problems: [404],
    async handler({ params, ctx, res }) {
      const policy = await policies.get(ctx, params.id);
      setEtag(res, policy.version);
      return dto(policy);
    },
  });

  routes.add({
    method: "patch",
    path: "/api/v1/watermarks/:id",
    operationId: "updateWatermarkPolicy",
    summary: "Change a watermark policy (If-Match required; scope and style are replaced whole)",
    tags,
    access: { ability: { action: "update", subject: "Watermark" } },
    params: IdParams,
    body: UpdateWatermarkBody,
    response: { status: 200, description: "Updated", schema: WatermarkPolicySchema, headers: { etag: "Version" } },
    problems: [404, 409, 428],
    async handler({ params, body, ctx, req, res }) {
      const policy = await policies.update(ctx, params.id, ifMatchVersion(req), body);
      setEtag(res, policy.version);
      return dto(policy);
    },
  });

  routes.add({
    method: "delete",
    path: "/api/v1/watermarks/:id",
    operationId: "deleteWatermarkPolicy",
    summary: "Delete a watermark policy (If-Match required)",
    tags,
    access: { ability: { action: "delete", subject: "Watermark" } },
    params: IdParams,
    response: { status: 204, description: "Deleted" },
    problems: [404, 409, 428],
    async handler({ params, ctx, req }) {
      await policies.remove(ctx, params.id, ifMatchVersion(req));
      return undefined;
    },
  });
}
