import type { Db } from "../db/pool";
import { ifMatchVersion, setEtag } from "../http/concurrency";
import type { RequestContext } from "../http/context";
import { Unauthorized } from "../http/errors";
import { pageOf, setTotal, TOTAL_COUNT_HEADER } from "../http/list";
import type { RouteTable } from "../http/route";
import {
  AlertListQuery,
  AlertRuleBody,
  AlertRuleListQuery,
  AlertRuleSchema,
  AlertSchema,
  IdParams,
  SignalsAccepted,
  SignalsBody,
  SilenceBody,
  SilenceListQuery,
  SilenceSchema,
} from "./schemas";
import { type AlertService, createAlertService, storeSignals } from "./service";

const can = (action: "read" | "create" | "update" | "delete") => ({ ability: { action, subject: "Alert" } }) as const;
const etag = { etag: 'The version, e.g. "3": send it back in If-Match' };
const total = { [TOTAL_COUNT_HEADER]: "Total" };

/** The tenant signals are counted in: the API client's, or the signed-in admin's (testing a rule). */
function signalTenant(ctx: RequestContext): string {
  if (ctx.principal) return ctx.principal.tenantId;
  if (ctx.apiClient) return ctx.apiClient.tenantId;
  throw new Unauthorized("UNAUTHENTICATED", "Sign in first.", "请先登录。");
}

/** Warning rules, alerts, silences and signals (docs/monitors.md, "Alerts"); the system admin's (Alert). */
export function registerAlertRoutes(routes: RouteTable, db: Db, service: AlertService = createAlertService(db)): void {
  // ---- rules ----
  const ruleTags = ["alert-rules"];
  routes.add({
    method: "get",
    path: "/api/v1/alert-rules",
    operationId: "listAlertRules",
    summary: "Warning rules (paginated, filters)",
    tags: ruleTags,
    access: can("read"),
    query: AlertRuleListQuery,
    response: { status: 200, description: "A page", schema: AlertRuleSchema.array(), headers: total },
    async handler({ query, ctx, res }) {
      const { items, total: n } = await service.listRules(ctx, query, pageOf(query));
      setTotal(res, n);
      return items;
    },
  });
  routes.add({
    method: "post",
    path: "/api/v1/alert-rules",
    operationId: "createAlertRule",
    summary: "Create a warning rule; the evaluator judges it within seconds",
    tags: ruleTags,
    access: can("create"),
    body: AlertRuleBody,
    response: { status: 201, description: "Created", schema: AlertRuleSchema, headers: etag },
    problems: [409],
    async handler({ body, ctx, res }) {
      const view = await service.createRule(ctx, body);
      setEtag(res, view.version);
      return view;
    },
  });
  routes.add({
    method: "get",
    path: "/api/v1/alert-rules/:id",
    operationId: "getAlertRule",
    summary: "One warning rule",
    tags: ruleTags,
    access: can("read"),
    params: IdParams,
    response: { status: 200, description: "The rule", schema: AlertRuleSchema, headers: etag },
    problems: [404],
    async handler({ params, ctx, res }) {
      const view = await service.getRule(ctx, params.id);
      setEtag(res, view.version);
      return view;
    },
  });
  routes.add({
    method: "put",
    path: "/api/v1/alert-rules/:id",
    operationId: "updateAlertRule",
    summary: "Replace a warning rule (If-Match required)",
    tags: ruleTags,
    access: can("update"),
    params: IdParams,
    body: AlertRuleBody,
    response: { status: 200, description: "Saved", schema: AlertRuleSchema, headers: etag },
    problems: [404, 409, 428],
    async handler({ params, body, ctx, req, res }) {
      const view = await service.updateRule(ctx, params.id, ifMatchVersion(req), body);
      setEtag(res, view.version);
      return view;
    },
  });
  routes.add({
    method: "delete",
    path: "/api/v1/alert-rules/:id",
    operationId: "deleteAlertRule",
    summary: "Delete a warning rule (If-Match required); its open alerts are resolved, the history kept",
    tags: ruleTags,
    access: can("delete"),
    params: IdParams,
    response: { status: 204, description: "Deleted" },
    problems: [404, 409, 428],
    async handler({ params, ctx, req }) {
      await service.removeRule(ctx, params.id, ifMatchVersion(req));
      return undefined;
    },
  });

  // ---- alerts ----
  const alertTags = ["alerts"];
  routes.add({
    method: "get",
    path: "/api/v1/alerts",
    operationId: "listAlerts",
    summary: "Alerts, newest first by default (paginated; filters state, severity, rule, monitor)",
    tags: alertTags,
    access: can("read"),
    query: AlertListQuery,
    response: { status: 200, description: "A page", schema: AlertSchema.array(), headers: total },
    async handler({ query, ctx, res }) {
      const { items, total: n } = await service.listAlerts(ctx, query, pageOf(query));
      setTotal(res, n);
      return items;
    },
  });
  routes.add({
    method: "get",
    path: "/api/v1/alerts/:id",
    operationId: "getAlert",
    summary: "One alert",
    tags: alertTags,
    access: can("read"),
    params: IdParams,
    response: { status: 200, description: "The alert", schema: AlertSchema },
    problems: [404],
    async handler({ params, ctx }) {
      return service.getAlert(ctx, params.id);
    },
  });
  for (const to of ["acknowledged", "resolved"] as const) {
    const verb = to === "acknowledged" ? "acknowledge" : "resolve";
    routes.add({
      method: "post",
      path: `/api/v1/alerts/:id/${verb}`,
      operationId: to === "acknowledged" ? "acknowledgeAlert" : "resolveAlert",
      summary:
        to === "acknowledged"
          ? "Acknowledge a firing alert (someone is on it)"
          : "Resolve an alert by hand; while its condition holds it is not reported again",
      tags: alertTags,
      access: can("update"),
      params: IdParams,
      response: { status: 200, description: "The alert", schema: AlertSchema },
      problems: [404, 409],
      async handler({ params, ctx }) {
        return service.moveAlert(ctx, params.id, to);
      },
    });
  }

  // ---- silences ----
  const silenceTags = ["alert-silences"];
  routes.add({
    method: "get",
    path: "/api/v1/alert-silences",
    operationId: "listAlertSilences",
    summary: "Silences (paginated; active filter)",
    tags: silenceTags,
    access: can("read"),
    query: SilenceListQuery,
    response: { status: 200, description: "A page", schema: SilenceSchema.array(), headers: total },
    async handler({ query, ctx, res }) {
      const { items, total: n } = await service.listSilences(ctx, query.active, pageOf(query));
      setTotal(res, n);
      return items;
    },
  });
  routes.add({
    method: "post",
    path: "/api/v1/alert-silences",
    operationId: "createAlertSilence",
    summary: "Silence alerts whose labels match (at least one selecting matcher)",
    tags: silenceTags,
    access: can("create"),
    body: SilenceBody,
    response: { status: 201, description: "Created", schema: SilenceSchema, headers: etag },
    async handler({ body, ctx, res }) {
      const view = await service.createSilence(ctx, body);
      setEtag(res, view.version);
      return view;
    },
  });
  routes.add({
    method: "get",
    path: "/api/v1/alert-silences/:id",
    operationId: "getAlertSilence",
    summary: "One silence",
    tags: silenceTags,
    access: can("read"),
    params: IdParams,
    response: { status: 200, description: "The silence", schema: SilenceSchema, headers: etag },
    problems: [404],
    async handler({ params, ctx, res }) {
      const view = await service.getSilence(ctx, params.id);
      setEtag(res, view.version);
      return view;
    },
  });
  routes.add({
    method: "put",
    path: "/api/v1/alert-silences/:id",
    operationId: "updateAlertSilence",
    summary: "Replace a silence, e.g. end it early (If-Match required)",
    tags: silenceTags,
    access: can("update"),
    params: IdParams,
    body: SilenceBody,
    response: { status: 200, description: "Saved", schema: SilenceSchema, headers: etag },
    problems: [404, 409, 428],
    async handler({ params, body, ctx, req, res }) {
      const view = await service.updateSilence(ctx, params.id, ifMatchVersion(req), body);
      setEtag(res, view.version);
      return view;
    },
  });
  routes.add({
    method: "delete",
    path: "/api/v1/alert-silences/:id",
    operationId: "deleteAlertSilence",
    summary: "Delete a silence (If-Match required)",
    tags: silenceTags,
    access: can("delete"),
    params: IdParams,
    response: { status: 204, description: "Deleted" },
    problems: [404, 409, 428],
    async handler({ params, ctx, req }) {
      await service.removeSilence(ctx, params.id, ifMatchVersion(req));
      return undefined;
    },
  });

  // ---- signals ----
  routes.add({
    method: "post",
    path: "/api/v1/signals",
    operationId: "pushSignals",
    summary: "Business apps push counters (up to 1,000 per call) for signal warning rules",
    tags: ["signals"],
    access: { ability: { action: "create", subject: "Alert" }, orApiClient: { scope: "signals:write" } },
    body: SignalsBody,
    response: { status: 202, description: "Stored for the evaluator", schema: SignalsAccepted },
    async handler({ body, ctx }) {
      return storeSignals(db, signalTenant(ctx), body.signals);
    },
  });
}
