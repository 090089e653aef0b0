import { sendAccepted } from "../approvals/http";
import { pageOf, setTotal, TOTAL_COUNT_HEADER } from "../http/list";
import type { RouteTable } from "../http/route";
import { z } from "../http/zod";
import { ifMatchVersion, optionalIfMatch, setEtag } from "../http/concurrency";
import type { PolicyService } from "./policy-service";
import type { PolicyRow, VersionRow } from "./policy-store";
import {
  CreatePolicyBody,
  DiffBody,
  DiffResponse,
  IdParams,
  NewVersionBody,
  PolicyListQuery,
  PolicySchema,
  PolicyVersionSchema,
  SimulateBody,
  SimulateResponse,
  UpdatePolicyBody,
  VersionListQuery,
  VersionParams,
  VersionRefBody,
} from "./schemas";
import type { createSimulator } from "./simulate";

const policyDto = (p: PolicyRow) => ({
  id: p.id,
  name: p.name,
  description: p.description,
  publishedVersion: p.publishedVersion,
  latestVersion: p.latestVersion,
  version: p.version,
  createdAt: p.createdAt.toISOString(),
  updatedAt: p.updatedAt.toISOString(),
});

const versionDto = (v: VersionRow, withDocument: boolean) => ({
  policyId: v.policyId,
  version: v.version,
  status: v.status,
  ...(withDocument ? { document: v.document } : {}),
  createdBy: v.createdBy,
  createdAt: v.createdAt.toISOString(),
  publishedBy: v.publishedBy,
  publishedAt: v.publishedAt?.toISOString() ?? null,
});

const read = { ability: { action: "read", subject: "Policy" } } as const;
const create = { ability: { action: "create", subject: "Policy" } } as const;
const update = { ability: { action: "update", subject: "Policy" } } as const;

export function registerPolicyRoutes(
  routes: RouteTable,
  policies: PolicyService,
  simulator: ReturnType<typeof createSimulator>,
): void {
  routes.add({
    method: "post",
    path: "/api/v1/policies/simulate",
    operationId: "simulatePolicy",
    summary:
      "Can subject S do action A on resource R? With the rules that decided it (explain); optionally with a draft",
    tags: ["policies"],
    access: read,
    body: SimulateBody,
    response: { status: 200, description: "The decision and its explanation", schema: SimulateResponse },
    problems: [404],
    handler: ({ body, ctx }) => simulator.simulate(ctx, body),
  });

  routes.add({
    method: "post",
    path: "/api/v1/policies/diff",
    operationId: "diffPolicy",
    summary: "The decisions publishing a version would change, over a sample of subjects × actions × resources",
    tags: ["policies"],
    access: read,
    body: DiffBody,
    response: { status: 200, description: "Changed decisions", schema: DiffResponse },
    problems: [404],
    handler: ({ body, ctx }) => simulator.diff(ctx, body),
  });

  routes.add({
    method: "get",
    path: "/api/v1/policies",
    operationId: "listPolicies",
    summary: "List the tenant's authored policies",
    tags: ["policies"],
    access: read,
    query: PolicyListQuery,
    response: {
      status: 200,
      description: "A page of policies",
      schema: z.array(PolicySchema),
      headers: { [TOTAL_COUNT_HEADER]: "Total number of matching policies" },
    },
    async handler({ query, ctx, res }) {
      const { rows, total } = await policies.list(ctx, { q: query.q, status: query.status }, pageOf(query));
      setTotal(res, total);
      return rows.map(policyDto);
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/policies",
    operationId: "createPolicy",
    summary: "Create a policy; its document becomes draft version 1",
    tags: ["policies"],
    access: create,
    body: CreatePolicyBody,
    response: { status: 201, description: "Created", schema: PolicySchema },
    problems: [409],
    async handler({ body, ctx, res }) {
      const { policy } = await policies.create(ctx, body);
      setEtag(res, policy.version);
      res.location(`/api/v1/policies/${policy.id}`);
      return policyDto(policy);
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/policies/:id",
    operationId: "getPolicy",
    summary: "One policy (ETag: its version)",
    tags: ["policies"],
    access: read,
    params: IdParams,
    response: { status: 200, description: "The policy", schema: PolicySchema, headers: { etag: "Version" } },
    problems: [404],
    async handler({ params, ctx, res }) {
      const policy = await policies.get(ctx, params.id);
      setEtag(res, policy.version);
      return policyDto(policy);
    },
  });

  routes.add({
    method: "patch",
    path: "/api/v1/policies/:id",
    operationId: "updatePolicy",
    summary: "Rename or describe a policy (If-Match required)",
    tags: ["policies"],
    access: update,
    params: IdParams,
    body: UpdatePolicyBody,
    response: { status: 200, description: "Updated", schema: PolicySchema },
    problems: [404, 409, 428],
    async handler({ params, body, ctx, req, res }) {
      const policy = await policies.update(ctx, params.id, ifMatchVersion(req), body);
      setEtag(res, policy.version);
      return policyDto(policy);
    },
  });

  routes.add({
    method: "delete",
    path: "/api/v1/policies/:id",
    operationId: "deletePolicy",
    summary: "Delete a policy and its versions; a published one stops applying (If-Match required)",
    tags: ["policies"],
    access: { ability: { action: "delete", subject: "Policy" } },
    params: IdParams,
    response: { status: 204, description: "Deleted" },
    problems: [404, 409, 428],
    async handler({ params, ctx, req }) {
      await policies.remove(ctx, params.id, ifMatchVersion(req));
      return undefined;
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/policies/:id/versions",
    operationId: "listPolicyVersions",
    summary: "A policy's versions, newest first (without documents)",
    tags: ["policies"],
    access: read,
    params: IdParams,
    query: VersionListQuery,
    response: {
      status: 200,
      description: "A page of versions",
      schema: z.array(PolicyVersionSchema),
      headers: { [TOTAL_COUNT_HEADER]: "Total number of versions" },
    },
    problems: [404],
    async handler({ params, query, ctx, res }) {
      const page = pageOf(query);
      const { rows, total } = await policies.versions(ctx, params.id, page);
      setTotal(res, total);
      return rows.map((v) => versionDto(v, false));
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/policies/:id/versions",
    operationId: "createPolicyVersion",
    summary: "Save a new draft version of a policy's document",
    tags: ["policies"],
    access: update,
    params: IdParams,
    body: NewVersionBody,
    response: { status: 201, description: "The new draft", schema: PolicyVersionSchema },
    problems: [404, 409],
    async handler({ params, body, ctx, req, res }) {
      const version = await policies.addVersion(ctx, params.id, body.document, optionalIfMatch(req));
      res.location(`/api/v1/policies/${params.id}/versions/${version.version}`);
      return versionDto(version, true);
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/policies/:id/versions/:version",
    operationId: "getPolicyVersion",
    summary: "One version of a policy, with its document",
    tags: ["policies"],
    access: read,
    params: VersionParams,
    response: { status: 200, description: "The version", schema: PolicyVersionSchema },
    problems: [404],
    async handler({ params, ctx }) {
      return versionDto(await policies.version(ctx, params.id, params.version), true);
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/policies/:id/publish",
    operationId: "publishPolicy",
    summary: "Put a version in force (a draft, or an earlier version again); the previous one is superseded",
    tags: ["policies"],
    access: update,
    params: IdParams,
    body: VersionRefBody,
    response: { status: 200, description: "Published", schema: PolicySchema },
    problems: [404, 409],
    async handler({ params, body, ctx, req, res }) {
      const outcome = await policies.publish(ctx, params.id, body.version, optionalIfMatch(req));
      if (outcome.kind === "proposed") return sendAccepted(res, outcome.approval);
      setEtag(res, outcome.policy.version);
      return policyDto(outcome.policy);
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/policies/:id/restore",
    operationId: "restorePolicyVersion",
    summary: "Copy an earlier version's document into a new draft",
    tags: ["policies"],
    access: update,
    params: IdParams,
    body: VersionRefBody,
    response: { status: 201, description: "The new draft", schema: PolicyVersionSchema },
    problems: [404, 409],
    async handler({ params, body, ctx, req, res }) {
      const version = await policies.restore(ctx, params.id, body.version, optionalIfMatch(req));
      res.location(`/api/v1/policies/${params.id}/versions/${version.version}`);
      return versionDto(version, true);
    },
  });
}
