import { pageOf, setTotal, TOTAL_COUNT_HEADER } from "../http/list";
import type { RouteTable } from "../http/route";
import { z } from "../http/zod";
import type { PolicyAuthorizer } from "./authorizer";
import type { ApiClientService } from "./client-service";
import type { ApiClientRow } from "./client-store";
import { checkBatch } from "./pdp";
import {
  ApiClientListQuery,
  ApiClientSchema,
  CheckBody,
  CheckResponse,
  CreateApiClientBody,
  CreatedApiClient,
  IdParams,
} from "./schemas";

const clientDto = (c: ApiClientRow) => ({
  id: c.id,
  name: c.name,
  scopes: c.scopes,
  status: c.revokedAt ? ("revoked" as const) : ("active" as const),
  createdBy: c.createdBy,
  createdAt: c.createdAt.toISOString(),
  lastUsedAt: c.lastUsedAt?.toISOString() ?? null,
  revokedAt: c.revokedAt?.toISOString() ?? null,
});

export function registerPdpRoutes(routes: RouteTable, authz: PolicyAuthorizer, clients: ApiClientService): void {
  routes.add({
    method: "post",
    path: "/api/v1/authz/check",
    operationId: "checkAuthorization",
    summary:
      "Policy decision point for business apps: one check or a batch of up to 1,000, with explain on request (API client credentials)",
    tags: ["authz"],
    access: { apiClient: { scope: "authz:check" } },
    body: CheckBody,
    response: { status: 200, description: "Decisions, in the order of the checks", schema: CheckResponse },
    async handler({ body, ctx }) {
      const client = ctx.apiClient;
      if (!client) throw new Error("PDP reached without an API client");
      const explain = body.explain === true;
      const now = new Date();
      if ("checks" in body) {
        return { results: await checkBatch(authz, client.tenantId, body.checks, { explain, now }) };
      }
      const [result] = await checkBatch(authz, client.tenantId, [body], { explain, now });
      return result;
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/api-clients",
    operationId: "listApiClients",
    summary: "The tenant's API clients (never their secrets)",
    tags: ["authz"],
    access: { ability: { action: "read", subject: "ApiClient" } },
    query: ApiClientListQuery,
    response: {
      status: 200,
      description: "A page of API clients",
      schema: z.array(ApiClientSchema),
      headers: { [TOTAL_COUNT_HEADER]: "Total number of matching clients" },
    },
    async handler({ query, ctx, res }) {
      const { rows, total } = await clients.list(ctx, { status: query.status }, pageOf(query));
      setTotal(res, total);
      return rows.map(clientDto);
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/api-clients",
    operationId: "createApiClient",
    summary: "Create an API client for a business app; the secret is shown in this answer only",
    tags: ["authz"],
    access: { ability: { action: "create", subject: "ApiClient" } },
    body: CreateApiClientBody,
    response: { status: 201, description: "Created, with its one-time secret", schema: CreatedApiClient },
    async handler({ body, ctx, res }) {
      const { client, secret } = await clients.create(ctx, body);
      res.location(`/api/v1/api-clients/${client.id}`);
      return { client: clientDto(client), secret };
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/api-clients/:id",
    operationId: "getApiClient",
    summary: "One API client",
    tags: ["authz"],
    access: { ability: { action: "read", subject: "ApiClient" } },
    params: IdParams,
    response: { status: 200, description: "The client", schema: ApiClientSchema },
    problems: [404],
    async handler({ params, ctx }) {
      return clientDto(await clients.get(ctx, params.id));
    },
  });

  routes.add({
    method: "delete",
    path: "/api/v1/api-clients/:id",
    operationId: "revokeApiClient",
    summary: "Revoke an API client: its credentials stop working on every instance at once",
    tags: ["authz"],
    access: { ability: { action: "delete", subject: "ApiClient" } },
    params: IdParams,
    response: { status: 204, description: "Revoked" },
    problems: [404, 409],
    async handler({ params, ctx }) {
      await clients.revoke(ctx, params.id);
      return undefined;
    },
  });
}
