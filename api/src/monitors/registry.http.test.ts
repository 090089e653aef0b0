import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { lastDays } from "../../../monitors/sla-store";
import { auditCount, startTestApp, type TestApp } from "../../../test/support/app";
import { createViewer } from "../roles/test-viewer";

/** Apps, maintenance windows, dependencies and the SLA routes over real HTTP (docs/monitors.md). */
let app: TestApp;
let sys: Awaited<ReturnType<TestApp["signIn"]>>;
before(async () => {
  // No prober: the transitions below are written by the test, nothing else adds any.
  app = await startTestApp({ TIANSHU_MONITORS: "off" });
  sys = await app.signIn("sysadmin");
});
after(() => app?.close());

const MIN = 60_000;
const HOUR = 60 * MIN;
const TZ = "Asia/Shanghai";
// Midnight in Shanghai ten days ago: the data lies in the past whatever today is.
const T0 = (lastDays(11, Date.now(), TZ)[0] as { start: number }).start;
const iso = (t: number) => new Date(t).toISOString();
const range = `window=custom&from=${encodeURIComponent(iso(T0))}&to=${encodeURIComponent(iso(T0 + 10 * HOUR))}`;

const tcp = (name: string, appId?: string) => ({
  type: "tcp",
  name,
  host: "127.0.0.1",
  port: 9,
  intervalSeconds: 60,
  ...(appId ? { appId } : {}),
});
async function createApp(body: Record<string, unknown>): Promise<string> {
  const res = await sys.post("/api/v1/monitor-apps").send(body);
  assert.equal(res.status, 201, res.text);
  return res.body.id;
}
async function createMonitor(name: string, appId?: string): Promise<string> {
  const res = await sys.post("/api/v1/monitors").send(tcp(name, appId));
  assert.equal(res.status, 201, res.text);
  return res.body.id;
}
async function transitions(monitorId: string, points: [number, "up" | "down" | "degraded" | "unknown"][]) {
  await app.database.db
    .insertInto("monitor_transitions")
    .values(points.map(([at, state]) => ({ monitor_id: monitorId, at: new Date(T0 + at), state })))
    .execute();
}

describe("apps, maintenance windows, dependencies, SLA", () => {
  const ids: Record<string, string> = {};

  test("secadmin and auditadmin are denied everything here (三员分立); denials audited", async () => {
    for (const role of ["secadmin", "auditadmin"] as const) {
      const agent = await app.signIn(role);
      const denied = await auditCount(app, { action: "authz.denied" });
      const calls = [
        agent.get("/api/v1/monitor-apps"),
        agent.post("/api/v1/monitor-apps").send({ name: "x" }),
        agent.get("/api/v1/maintenance-windows"),
        agent.get("/api/v1/sla/apps"),
        agent.get("/api/v1/sla/groups"),
        agent.get("/api/v1/sla/daily"),
        agent.get("/api/v1/sla/monitors"),
        agent.get(`/api/v1/monitors/${crypto.randomUUID()}/dependencies`),
      ];
      for (const res of await Promise.all(calls)) assert.equal(res.status, 403, role);
      assert.equal(await auditCount(app, { action: "authz.denied" }), denied + calls.length);
    }
  });

  test("apps: validation, unique names, If-Match, audit", async () => {
    const bad = await sys.post("/api/v1/monitor-apps").send({ name: "x", slaTarget: 0.5 });
    assert.equal(bad.status, 400);
    const audits = await auditCount(app, { action: "monitor_app.create" });
    ids.portal = await createApp({ name: "portal", groupName: "gov", combineRule: "all", slaTarget: 0.99 });
    ids.gateway = await createApp({ name: "gateway", groupName: "gov", combineRule: "any" });
    ids.idp = await createApp({ name: "identity", kind: "platform" });
    assert.equal(await auditCount(app, { action: "monitor_app.create" }), audits + 3);

    const dup = await sys.post("/api/v1/monitor-apps").send({ name: "portal" });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.code, "MONITOR_APP_NAME_TAKEN");
    assert.ok(dup.body.zh.includes("已存在"));

    const list = await sys.get("/api/v1/monitor-apps?_start=0&_end=2&_sort=name&_order=asc");
    assert.equal(list.status, 200);
    assert.equal(list.headers["x-total-count"], "3");
    assert.deepEqual(
      list.body.map((a: { name: string }) => a.name),
      ["gateway", "identity"],
    );
    const one = await sys.get(`/api/v1/monitor-apps/${ids.idp}`);
    assert.equal(one.body.kind, "platform");
    assert.equal(one.body.slaTarget, 0.999);
    const body = { name: "identity", kind: "platform", description: "统一身份认证" };
    assert.equal((await sys.put(`/api/v1/monitor-apps/${ids.idp}`).send(body)).status, 428);
    const saved = await sys.put(`/api/v1/monitor-apps/${ids.idp}`).set("If-Match", String(one.headers.etag)).send(body);
    assert.equal(saved.status, 200, saved.text);
    assert.equal(saved.body.version, 2);
    assert.equal((await sys.put(`/api/v1/monitor-apps/${ids.idp}`).set("If-Match", '"1"').send(body)).status, 409);
    assert.equal(await auditCount(app, { action: "monitor_app.update" }), 1);
  });

  test("a monitor's appId must name an app; an app in use cannot be deleted", async () => {
    const res = await sys.post("/api/v1/monitors").send(tcp("stray", crypto.randomUUID()));
    assert.equal(res.status, 400);
    assert.equal(res.body.code, "MONITOR_APP_UNKNOWN");
    assert.equal(res.body.errors[0].path, "body.appId");
    assert.ok(res.body.errors[0].zh.length > 0);

    ids.pA = await createMonitor("portal-a", ids.portal);
    ids.pB = await createMonitor("portal-b", ids.portal);
    ids.gA = await createMonitor("gateway-a", ids.gateway);
    ids.gB = await createMonitor("gateway-b", ids.gateway);
    ids.i1 = await createMonitor("identity-1", ids.idp);

    const view = await sys.get(`/api/v1/monitors/${ids.i1}`);
    const moved = await sys
      .put(`/api/v1/monitors/${ids.i1}`)
      .set("If-Match", String(view.headers.etag))
      .send(tcp("identity-1", crypto.randomUUID()));
    assert.equal(moved.status, 400);
    assert.equal(moved.body.code, "MONITOR_APP_UNKNOWN");

    const appView = await sys.get(`/api/v1/monitor-apps/${ids.portal}`);
    assert.equal(appView.body.monitorCount, 2);
    const del = await sys.delete(`/api/v1/monitor-apps/${ids.portal}`).set("If-Match", String(appView.headers.etag));
    assert.equal(del.status, 409);
    assert.equal(del.body.code, "MONITOR_APP_IN_USE");

    const spare = await createApp({ name: "spare" });
    const deleted = await sys.delete(`/api/v1/monitor-apps/${spare}`).set("If-Match", '"1"');
    assert.equal(deleted.status, 204);
    assert.equal(await auditCount(app, { action: "monitor_app.delete" }), 1);
  });

  test("maintenance windows: validation in English and Chinese, CRUD, occurrences", async () => {
    const weekly = await sys.post("/api/v1/maintenance-windows").send({
      name: "bad",
      monitorIds: [ids.pA],
      schedule: { kind: "recurring", frequency: "weekly", startTime: "22:00", durationMinutes: 60 },
    });
    assert.equal(weekly.status, 400);
    assert.equal(weekly.body.code, "MAINTENANCE_INVALID");
    assert.ok(weekly.body.errors.some((e: { zh: string }) => e.zh.includes("星期")));

    const unscoped = await sys.post("/api/v1/maintenance-windows").send({
      name: "nothing",
      schedule: { kind: "once", start: iso(T0), end: iso(T0 + HOUR) },
    });
    assert.equal(unscoped.status, 400);
    assert.equal(unscoped.body.errors[0].path, "body.monitorIds");

    const unknown = await sys.post("/api/v1/maintenance-windows").send({
      name: "ghost",
      monitorIds: [crypto.randomUUID()],
      schedule: { kind: "once", start: iso(T0), end: iso(T0 + HOUR) },
    });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.errors[0].path, "body.monitorIds.0");

    const backwards = await sys.post("/api/v1/maintenance-windows").send({
      name: "backwards",
      monitorIds: [ids.pA],
      schedule: { kind: "once", start: iso(T0 + HOUR), end: iso(T0) },
    });
    assert.equal(backwards.status, 400);

    // pA: 00:30–01:30; the gateway app (both its monitors): 09:00–10:00.
    const audits = await auditCount(app, { action: "maintenance.create" });
    const w1 = await sys.post("/api/v1/maintenance-windows").send({
      name: "portal-a upgrade",
      monitorIds: [ids.pA],
      schedule: { kind: "once", start: iso(T0 + 30 * MIN), end: iso(T0 + 90 * MIN) },
    });
    assert.equal(w1.status, 201, w1.text);
    ids.w1 = w1.body.id;
    const w2 = await sys.post("/api/v1/maintenance-windows").send({
      name: "gateway patching",
      appIds: [ids.gateway],
      schedule: { kind: "once", start: iso(T0 + 9 * HOUR), end: iso(T0 + 10 * HOUR) },
    });
    assert.equal(w2.status, 201, w2.text);
    ids.w2 = w2.body.id;
    assert.equal(await auditCount(app, { action: "maintenance.create" }), audits + 2);

    const list = await sys.get(`/api/v1/maintenance-windows?appId=${ids.gateway}`);
    assert.equal(list.headers["x-total-count"], "1");
    assert.equal(list.body[0].name, "gateway patching");

    // A recurring window, edited with If-Match, and its next occurrences.
    const rec = await sys.post("/api/v1/maintenance-windows").send({
      name: "weekly",
      monitorIds: [ids.i1],
      enabled: false,
      schedule: { kind: "recurring", frequency: "weekly", weekdays: [6], startTime: "22:00", durationMinutes: 120 },
    });
    assert.equal(rec.status, 201, rec.text);
    const from = Date.UTC(2026, 0, 5, 0, 0); // Monday 5 January 2026
    const occ = await sys.get(
      `/api/v1/maintenance-windows/${rec.body.id}/occurrences?from=${iso(from)}&to=${iso(from + 14 * 24 * HOUR)}`,
    );
    assert.equal(occ.status, 200);
    // Saturdays 22:00 Shanghai = 14:00 UTC.
    assert.deepEqual(occ.body, [
      { start: "2026-01-10T14:00:00.000Z", end: "2026-01-10T16:00:00.000Z" },
      { start: "2026-01-17T14:00:00.000Z", end: "2026-01-17T16:00:00.000Z" },
    ]);
    const tooLong = await sys.get(
      `/api/v1/maintenance-windows/${rec.body.id}/occurrences?from=${iso(from)}&to=${iso(from + 400 * 24 * HOUR)}`,
    );
    assert.equal(tooLong.status, 400);
    const put = await sys
      .put(`/api/v1/maintenance-windows/${rec.body.id}`)
      .set("If-Match", '"1"')
      .send({ ...rec.body.schedule, name: "x" });
    assert.equal(put.status, 400, "the body is the window, not its schedule");
    const edited = await sys
      .put(`/api/v1/maintenance-windows/${rec.body.id}`)
      .set("If-Match", '"1"')
      .send({
        name: "weekly",
        monitorIds: [ids.i1],
        enabled: false,
        schedule: { ...rec.body.schedule, weekdays: [7] },
      });
    assert.equal(edited.status, 200, edited.text);
    assert.deepEqual(edited.body.schedule.weekdays, [7]);
    assert.equal((await sys.delete(`/api/v1/maintenance-windows/${rec.body.id}`)).status, 428);
    assert.equal((await sys.delete(`/api/v1/maintenance-windows/${rec.body.id}`).set("If-Match", '"2"')).status, 204);
    assert.equal(await auditCount(app, { action: "maintenance.delete" }), 1);
  });

  test("a monitor's SLA leaves out its maintenance, and its app's; an outage overlapping a window counts outside it", async () => {
    // portal: pA down 01:00–02:00, pB down 01:30–02:30. gateway: the same shapes.
    await transitions(ids.pA as string, [
      [0, "up"],
      [HOUR, "down"],
      [2 * HOUR, "up"],
    ]);
    await transitions(ids.pB as string, [
      [0, "up"],
      [90 * MIN, "down"],
      [150 * MIN, "up"],
    ]);
    await transitions(ids.gA as string, [
      [0, "up"],
      [HOUR, "down"],
      [2 * HOUR, "up"],
    ]);
    await transitions(ids.gB as string, [
      [0, "up"],
      [90 * MIN, "down"],
      [150 * MIN, "up"],
    ]);
    const sla = (id: string) => sys.get(`/api/v1/monitors/${id}/sla?from=${iso(T0)}&to=${iso(T0 + 10 * HOUR)}`);
    const a = await sla(ids.pA as string);
    assert.equal(a.status, 200, a.text);
    assert.equal(a.body.maintenanceMinutes, 60);
    assert.equal(a.body.downMinutes, 30, "01:00–01:30 was inside the window");
    assert.equal(a.body.outages.length, 1);
    assert.equal(a.body.outages[0].minutes, 30);
    assert.equal(a.body.eligibleMinutes, 540);
    const g = await sla(ids.gA as string);
    assert.equal(g.body.maintenanceMinutes, 60, "the app's window applies to its monitors");
    assert.equal(g.body.downMinutes, 60);
    const b = await sla(ids.pB as string);
    assert.equal(b.body.maintenanceMinutes, 0);
    assert.equal(b.body.downMinutes, 60);
  });

  test("apps combine their monitors (all / any), groups pool their apps", async () => {
    const res = await sys.get(`/api/v1/sla/apps?${range}&_sort=name&_order=asc`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers["x-total-count"], "3");
    const by = Object.fromEntries(res.body.map((r: { app: { name: string } }) => [r.app.name, r]));
    // portal (all): pA masked 00:30–01:30, so down = pB's outage 01:30–02:30 and pA's 01:30–02:00 = 60 min.
    assert.equal(by.portal.downMinutes, 60);
    assert.equal(by.portal.outages, 1);
    assert.equal(by.portal.maintenanceMinutes, 0, "only one of its monitors was in maintenance");
    assert.equal(by.portal.availability, 0.9);
    assert.equal(by.portal.target, 0.99);
    assert.ok(Math.abs(by.portal.errorBudgetMinutes - 6) < 1e-9);
    assert.ok(Math.abs(by.portal.budgetRemainingRatio - -9) < 1e-9);
    assert.equal(by.portal.monitorCount, 2);
    // gateway (any): down only while both are, 01:30–02:00; its app window 09:00–10:00 is out.
    assert.equal(by.gateway.downMinutes, 30);
    assert.equal(by.gateway.maintenanceMinutes, 60);
    assert.equal(by.gateway.eligibleMinutes, 540);
    assert.equal(by.gateway.availability, 510 / 540);
    assert.equal(by.gateway.mttrMinutes, 30);
    // identity: no data at all is unknown, not 100 %.
    assert.equal(by.identity.availability, null);
    assert.equal(by.identity.unknownMinutes, 600);

    const page = await sys.get(`/api/v1/sla/apps?${range}&_start=1&_end=2&_sort=name&_order=asc`);
    assert.deepEqual(
      page.body.map((r: { app: { name: string } }) => r.app.name),
      ["identity"],
    );

    const detail = await sys.get(`/api/v1/sla/apps/${ids.portal}?${range}`);
    assert.equal(detail.status, 200, detail.text);
    assert.equal(detail.body.outageList.length, 1);
    assert.equal(detail.body.outageList[0].start, iso(T0 + 90 * MIN));
    assert.deepEqual(
      detail.body.monitors.map((m: { name: string; downMinutes: number }) => [m.name, m.downMinutes]),
      [
        ["portal-a", 30],
        ["portal-b", 60],
      ],
    );
    assert.equal((await sys.get(`/api/v1/sla/apps/${crypto.randomUUID()}?${range}`)).status, 404);

    const monitors = await sys.get(`/api/v1/sla/monitors?${range}&appId=${ids.portal}&_order=asc`);
    assert.equal(monitors.status, 200, monitors.text);
    assert.equal(monitors.headers["x-total-count"], "2");
    assert.deepEqual(
      monitors.body.map((m: { monitor: { name: string }; downMinutes: number; maintenanceMinutes: number }) => [
        m.monitor.name,
        m.downMinutes,
        m.maintenanceMinutes,
      ]),
      [
        ["portal-a", 30, 60],
        ["portal-b", 60, 0],
      ],
    );

    const groups = await sys.get(`/api/v1/sla/groups?${range}`);
    assert.equal(groups.status, 200, groups.text);
    assert.equal(groups.headers["x-total-count"], "1");
    assert.equal(groups.body[0].groupName, "gov");
    assert.equal(groups.body[0].availability, (540 + 510) / (600 + 540));
    assert.equal(groups.body[0].outages, 2);
    assert.equal(groups.body[0].target, 0.999);
  });

  test("calendar windows, time zones and the daily figures", async () => {
    const month = await sys.get(`/api/v1/sla/apps?window=month&at=${iso(T0 + HOUR)}&tz=UTC`);
    assert.equal(month.status, 200, month.text);
    const start = new Date(T0 + HOUR);
    assert.equal(month.body[0].window.start, iso(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), 1)));
    assert.equal((await sys.get("/api/v1/sla/apps?window=custom")).status, 400);
    assert.equal((await sys.get("/api/v1/sla/apps?tz=Mars/Base")).status, 400);

    const daily = await sys.get(`/api/v1/sla/apps/${ids.portal}/daily?days=12&tz=${encodeURIComponent(TZ)}`);
    assert.equal(daily.status, 200, daily.text);
    assert.equal(daily.body.days.length, 12);
    const day0 = daily.body.days.find(
      (d: { date: string }) => d.date === (lastDays(11, Date.now(), TZ)[0] as { date: string }).date,
    );
    assert.equal(day0.downMinutes, 60);
    assert.equal(day0.availability, (1440 - 60) / 1440);
    assert.equal(daily.body.days[0].availability, null, "the day before: no data");
    assert.equal(daily.body.days[2].availability, 1, "the day after: up all day");

    const all = await sys.get("/api/v1/sla/daily?days=12&_sort=name&_order=asc");
    assert.equal(all.status, 200, all.text);
    assert.equal(all.headers["x-total-count"], "3");
    assert.deepEqual(
      all.body.map((a: { app: { name: string } }) => a.app.name),
      ["gateway", "identity", "portal"],
    );
    assert.equal((await sys.get("/api/v1/sla/daily?days=400")).status, 400);
  });

  test("the leadership viewer reads the SLA figures and nothing of the registry", async () => {
    const sec = await app.signIn("secadmin");
    const { agent } = await createViewer(app, "leader-sla", { sys, sec });
    const apps = await agent.get(`/api/v1/sla/apps?${range}&_order=asc`);
    assert.equal(apps.status, 200, apps.text);
    assert.equal(apps.headers["x-total-count"], "3");
    assert.equal((await agent.get(`/api/v1/sla/apps/${ids.portal}?${range}`)).status, 200);
    assert.equal((await agent.get("/api/v1/sla/daily?days=7")).status, 200);
    assert.equal((await agent.get(`/api/v1/sla/groups?${range}`)).status, 200);
    for (const path of [
      "/api/v1/monitor-apps",
      "/api/v1/maintenance-windows",
      `/api/v1/monitors/${ids.pA}/dependencies`,
    ]) {
      assert.equal((await agent.get(path)).status, 403, path);
    }
  });

  test("dependencies: self, unknown and cycles refused (naming the cycle); deleting a monitor removes its edges", async () => {
    const self = await sys.put(`/api/v1/monitors/${ids.pA}/dependencies`).send({ dependsOn: [ids.pA] });
    assert.equal(self.status, 400);
    assert.equal(self.body.code, "MONITOR_DEPENDS_ON_ITSELF");
    const unknown = await sys.put(`/api/v1/monitors/${ids.pA}/dependencies`).send({ dependsOn: [crypto.randomUUID()] });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.code, "MONITOR_DEPENDENCY_UNKNOWN");

    for (const m of [ids.pA, ids.pB, ids.gA]) {
      const ok = await sys.put(`/api/v1/monitors/${m}/dependencies`).send({ dependsOn: [ids.i1] });
      assert.equal(ok.status, 200, ok.text);
    }
    const chain = await sys.put(`/api/v1/monitors/${ids.i1}/dependencies`).send({ dependsOn: [ids.gB] });
    assert.equal(chain.status, 200);
    const cycle = await sys.put(`/api/v1/monitors/${ids.gB}/dependencies`).send({ dependsOn: [ids.pA] });
    assert.equal(cycle.status, 409);
    assert.equal(cycle.body.code, "MONITOR_DEPENDENCY_CYCLE");
    assert.ok(cycle.body.detail.includes("gateway-b → portal-a → identity-1 → gateway-b"), cycle.body.detail);
    assert.equal(await auditCount(app, { action: "monitor.dependencies" }), 4);

    const idp = await sys.get(`/api/v1/monitors/${ids.i1}/dependencies`);
    assert.deepEqual(
      idp.body.dependents.map((d: { name: string }) => d.name),
      ["gateway-a", "portal-a", "portal-b"],
    );
    assert.deepEqual(
      idp.body.dependsOn.map((d: { name: string }) => d.name),
      ["gateway-b"],
    );
    const view = await sys.get(`/api/v1/monitors/${ids.i1}`);
    assert.equal(
      (await sys.delete(`/api/v1/monitors/${ids.i1}`).set("If-Match", String(view.headers.etag))).status,
      204,
    );
    const after = await sys.get(`/api/v1/monitors/${ids.pA}/dependencies`);
    assert.deepEqual(after.body.dependsOn, []);
    assert.equal((await sys.get(`/api/v1/monitors/${ids.i1}/dependencies`)).status, 404);

    // Two changes at once that would close a cycle together: one of them is refused.
    const both = await Promise.all([
      sys.put(`/api/v1/monitors/${ids.pA}/dependencies`).send({ dependsOn: [ids.pB] }),
      sys.put(`/api/v1/monitors/${ids.pB}/dependencies`).send({ dependsOn: [ids.pA] }),
    ]);
    assert.deepEqual(both.map((r) => r.status).sort(), [200, 409]);
  });
});
