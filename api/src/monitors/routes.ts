import type { Db } from "../db/pool";
import { ifMatchVersion, optionalIfMatch, setEtag } from "../http/concurrency";
import { pageOf, setTotal, TOTAL_COUNT_HEADER } from "../http/list";
import type { RouteTable } from "../http/route";
import { exportResults, listResults } from "./results";
import {
  IdParams,
  MonitorDefinitionBody,
  MonitorListQuery,
  MonitorResultList,
  MonitorSchema,
  ProbeResultSchema,
  ResultsExportQuery,
  ResultsQuery,
  SlaQuery,
  SlaSchema,
} from "./schemas";
import type { MonitorService } from "./service";

const tags = ["monitors"];
const can = (action: "read" | "create" | "update" | "delete") => ({ ability: { action, subject: "Monitor" } }) as const;
const etag = { etag: 'The version, e.g. "3": send it back in If-Match' };

/** Monitors (docs/monitors.md, "REST API"): the system admin's duty (Monitor subject). */
export function registerMonitorRoutes(routes: RouteTable, monitors: MonitorService, db: Db): void {
  routes.add({
    method: "get",
    path: "/api/v1/monitors",
    operationId: "listMonitors",
    summary: "Monitors with their current state (paginated, filters)",
    tags,
    access: can("read"),
    query: MonitorListQuery,
    response: {
      status: 200,
      description: "A page",
      schema: MonitorSchema.array(),
      headers: { [TOTAL_COUNT_HEADER]: "Total" },
    },
    async handler({ query, ctx, res }) {
      const { items, total } = await monitors.list(ctx, query, pageOf(query));
      setTotal(res, total);
      return items;
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/monitors",
    operationId: "createMonitor",
    summary: "Create a monitor; the scheduler picks it up at once",
    tags,
    access: can("create"),
    body: MonitorDefinitionBody,
    response: { status: 201, description: "Created", schema: MonitorSchema, headers: etag },
    async handler({ body, ctx, res }) {
      const view = await monitors.create(ctx, body);
      setEtag(res, view.version);
      return view;
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/monitors/:id",
    operationId: "getMonitor",
    summary: "One monitor",
    tags,
    access: can("read"),
    params: IdParams,
    response: { status: 200, description: "The monitor", schema: MonitorSchema, headers: etag },
    problems: [404],
    async handler({ params, ctx, res }) {
      const view = await monitors.get(ctx, params.id);
      setEtag(res, view.version);
      return view;
    },
  });

  routes.add({
    method: "put",
    path: "/api/v1/monitors/:id",
    operationId: "updateMonitor",
    summary: "Replace a monitor's definition (If-Match required)",
    tags,
    access: can("update"),
    params: IdParams,
    body: MonitorDefinitionBody,
    response: { status: 200, description: "Saved", schema: MonitorSchema, headers: etag },
    problems: [404, 409, 428],
    async handler({ params, body, ctx, req, res }) {
      const view = await monitors.update(ctx, params.id, ifMatchVersion(req), body);
      setEtag(res, view.version);
      return view;
    },
  });

  routes.add({
    method: "delete",
    path: "/api/v1/monitors/:id",
    operationId: "deleteMonitor",
    summary: "Delete a monitor (If-Match required); its results stay until retention removes them",
    tags,
    access: can("delete"),
    params: IdParams,
    response: { status: 204, description: "Deleted" },
    problems: [404, 409, 428],
    async handler({ params, ctx, req }) {
      await monitors.remove(ctx, params.id, ifMatchVersion(req));
      return undefined;
    },
  });

  for (const paused of [true, false]) {
    routes.add({
      method: "post",
      path: `/api/v1/monitors/:id/${paused ? "pause" : "resume"}`,
      operationId: paused ? "pauseMonitor" : "resumeMonitor",
      summary: paused
        ? "Pause a monitor: not probed, its paused time unknown to the SLA (If-Match optional)"
        : "Resume a paused monitor (If-Match optional)",
      tags,
      access: can("update"),
      params: IdParams,
      response: { status: 200, description: "The monitor", schema: MonitorSchema, headers: etag },
      problems: [404, 409],
      async handler({ params, ctx, req, res }) {
        const view = await monitors.setPaused(ctx, params.id, paused, optionalIfMatch(req));
        setEtag(res, view.version);
        return view;
      },
    });
  }

  routes.add({
    method: "post",
    path: "/api/v1/monitors/:id/test",
    operationId: "testMonitor",
    summary: "Probe the monitor once now; the result is returned, not stored",
    tags,
    access: can("update"),
    params: IdParams,
    response: { status: 200, description: "The probe's result", schema: ProbeResultSchema },
    problems: [400, 404],
    async handler({ params, ctx }) {
      return monitors.testNow(ctx, params.id);
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/monitors/:id/results",
    operationId: "listMonitorResults",
    summary: "Raw results in [from, to) (paginated, newest first by default)",
    tags,
    access: can("read"),
    params: IdParams,
    query: ResultsQuery,
    response: {
      status: 200,
      description: "A page",
      schema: MonitorResultList,
      headers: { [TOTAL_COUNT_HEADER]: "Total" },
    },
    problems: [404],
    async handler({ params, query, ctx, res }) {
      const { items, total } = await listResults(
        db,
        ctx,
        params.id,
        new Date(query.from),
        new Date(query.to),
        pageOf(query),
      );
      setTotal(res, total);
      return items;
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/monitors/:id/results/export",
    operationId: "exportMonitorResults",
    summary: "Raw results in [from, to) as CSV or XLSX (streamed; audited)",
    tags,
    access: can("read"),
    params: IdParams,
    query: ResultsExportQuery,
    response: { status: 200, description: "The file (text/csv; charset=utf-8, or XLSX), as an attachment" },
    problems: [404, 413],
    async handler({ params, query, ctx, res }) {
      const range = { from: new Date(query.from), to: new Date(query.to), format: query.format };
      await exportResults(db, ctx, params.id, range, res);
      return undefined;
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/monitors/:id/sla",
    operationId: "getMonitorSla",
    summary: "Availability, outages and error budget of a monitor over [from, to)",
    tags,
    access: can("read"),
    params: IdParams,
    query: SlaQuery,
    response: { status: 200, description: "The SLA report", schema: SlaSchema },
    problems: [404],
    async handler({ params, query, ctx }) {
      const r = await monitors.sla(ctx, params.id, new Date(query.from), new Date(query.to), query.target);
      const at = (ms: number) => new Date(ms).toISOString();
      return { ...r, outages: r.outages.map((o) => ({ start: at(o.start), end: at(o.end), minutes: o.minutes })) };
    },
  });
}
