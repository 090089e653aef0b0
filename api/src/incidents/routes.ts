import type { Db } from "../db/pool";
import { ifMatchVersion, setEtag } from "../http/concurrency";
import { pageOf, setTotal, TOTAL_COUNT_HEADER } from "../http/list";
import type { RouteTable } from "../http/route";
import {
  CloseBody,
  CommentBody,
  ContactsBody,
  CreateIncidentBody,
  IdParams,
  IncidentDetailSchema,
  IncidentListQuery,
  IncidentSchema,
  IncidentSettingsBody,
  IncidentSettingsSchema,
  NoteBody,
  RegradeBody,
  StatsQuery,
  StatsSchema,
} from "./schemas";
import { createIncidentService, type IncidentService, type Move } from "./service";

const tags = ["incidents"];
const can = (action: "read" | "create" | "update") => ({ ability: { action, subject: "Incident" } }) as const;
const etag = { etag: 'The version, e.g. "3": send it back in If-Match' };

const MOVES: { move: Move; summary: string }[] = [
  { move: "acknowledge", summary: "Acknowledge (响应) an open incident (If-Match required)" },
  { move: "mitigate", summary: "Mark an incident mitigated (缓解) (If-Match required)" },
  { move: "resolve", summary: "Resolve (解决) an incident (If-Match required)" },
  { move: "reopen", summary: "Reopen a resolved incident that recurs, to acknowledged (If-Match required)" },
];

/** Graded incidents I–IV (docs/monitors.md, "Incidents"): the system admin's duty (Incident subject). */
export function registerIncidentRoutes(routes: RouteTable, db: Db, service?: IncidentService): void {
  const incidents = service ?? createIncidentService(db);

  routes.add({
    method: "get",
    path: "/api/v1/incidents",
    operationId: "listIncidents",
    summary: "Incidents with their deadlines and breach state (paginated, filters)",
    tags,
    access: can("read"),
    query: IncidentListQuery,
    response: {
      status: 200,
      description: "A page",
      schema: IncidentSchema.array(),
      headers: { [TOTAL_COUNT_HEADER]: "Total" },
    },
    async handler({ query, ctx, res }) {
      const { items, total } = await incidents.list(ctx, query, pageOf(query));
      setTotal(res, total);
      return items;
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/incidents",
    operationId: "createIncident",
    summary: "Open an incident by hand",
    tags,
    access: can("create"),
    body: CreateIncidentBody,
    response: { status: 201, description: "Opened", schema: IncidentDetailSchema, headers: etag },
    async handler({ body, ctx, res }) {
      const view = await incidents.create(ctx, body);
      setEtag(res, view.version);
      return view;
    },
  });

  // Before /:id, so "stats" is never taken for an id.
  routes.add({
    method: "get",
    path: "/api/v1/incidents/stats",
    operationId: "incidentStats",
    summary: "MTTA, MTTR and on-time rates per grade over the incidents opened in [from, to)",
    tags,
    access: can("read"),
    query: StatsQuery,
    response: { status: 200, description: "Per grade", schema: StatsSchema },
    async handler({ query, ctx }) {
      const grades = await incidents.stats(ctx, new Date(query.from), new Date(query.to));
      return { from: query.from, to: query.to, grades };
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/incidents/:id",
    operationId: "getIncident",
    summary: "One incident with its timeline",
    tags,
    access: can("read"),
    params: IdParams,
    response: { status: 200, description: "The incident", schema: IncidentDetailSchema, headers: etag },
    problems: [404],
    async handler({ params, ctx, res }) {
      const view = await incidents.get(ctx, params.id);
      setEtag(res, view.version);
      return view;
    },
  });

  for (const { move, summary } of MOVES) {
    routes.add({
      method: "post",
      path: `/api/v1/incidents/:id/${move}`,
      operationId: `${move}Incident`,
      summary,
      tags,
      access: can("update"),
      params: IdParams,
      body: NoteBody,
      response: { status: 200, description: "The incident", schema: IncidentDetailSchema, headers: etag },
      problems: [404, 409, 428],
      async handler({ params, body, ctx, req, res }) {
        const view = await incidents.move(ctx, params.id, ifMatchVersion(req), move, body.note);
        setEtag(res, view.version);
        return view;
      },
    });
  }

  routes.add({
    method: "post",
    path: "/api/v1/incidents/:id/close",
    operationId: "closeIncident",
    summary: "Close a resolved incident with its complete post-incident review (If-Match required)",
    tags,
    access: can("update"),
    params: IdParams,
    body: CloseBody,
    response: { status: 200, description: "The incident", schema: IncidentDetailSchema, headers: etag },
    problems: [400, 404, 409, 428],
    async handler({ params, body, ctx, req, res }) {
      const view = await incidents.close(ctx, params.id, ifMatchVersion(req), body.review, body.note);
      setEtag(res, view.version);
      return view;
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/incidents/:id/regrade",
    operationId: "regradeIncident",
    summary: "Change the grade (reason required); deadlines are recomputed from the opening (If-Match required)",
    tags,
    access: can("update"),
    params: IdParams,
    body: RegradeBody,
    response: { status: 200, description: "The incident", schema: IncidentDetailSchema, headers: etag },
    problems: [400, 404, 409, 428],
    async handler({ params, body, ctx, req, res }) {
      const view = await incidents.regrade(ctx, params.id, ifMatchVersion(req), body.grade, body.reason);
      setEtag(res, view.version);
      return view;
    },
  });

  routes.add({
    method: "put",
    path: "/api/v1/incidents/:id/contacts",
    operationId: "setIncidentContacts",
    summary: "Replace the ordered escalation contacts (users and notification channels) (If-Match required)",
    tags,
    access: can("update"),
    params: IdParams,
    body: ContactsBody,
    response: { status: 200, description: "The incident", schema: IncidentDetailSchema, headers: etag },
    problems: [400, 404, 409, 428],
    async handler({ params, body, ctx, req, res }) {
      const view = await incidents.setContacts(ctx, params.id, ifMatchVersion(req), body.contacts);
      setEtag(res, view.version);
      return view;
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/incidents/:id/comments",
    operationId: "commentIncident",
    summary: "Add a comment to the timeline",
    tags,
    access: can("update"),
    params: IdParams,
    body: CommentBody,
    response: { status: 201, description: "The incident", schema: IncidentDetailSchema, headers: etag },
    problems: [404],
    async handler({ params, body, ctx, res }) {
      const view = await incidents.comment(ctx, params.id, body.text);
      setEtag(res, view.version);
      return view;
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/incident-settings",
    operationId: "getIncidentSettings",
    summary: "The tenant's response and fix deadlines per grade (the defaults until set)",
    tags,
    access: can("read"),
    response: { status: 200, description: "The deadline table", schema: IncidentSettingsSchema, headers: etag },
    async handler({ ctx, res }) {
      const view = await incidents.settings(ctx);
      setEtag(res, view.version);
      return view;
    },
  });

  routes.add({
    method: "put",
    path: "/api/v1/incident-settings",
    operationId: "putIncidentSettings",
    summary: 'Set the tenant\'s deadline table (If-Match required; "0" while the defaults apply)',
    tags,
    access: can("update"),
    body: IncidentSettingsBody,
    response: { status: 200, description: "Saved", schema: IncidentSettingsSchema, headers: etag },
    problems: [400, 409, 428],
    async handler({ body, ctx, req, res }) {
      const view = await incidents.saveSettings(ctx, ifMatchVersion(req), body.deadlines);
      setEtag(res, view.version);
      return view;
    },
  });
}
