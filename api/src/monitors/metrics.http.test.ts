import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { sql } from "kysely";
import client from "prom-client";
import { calendarWindow } from "../../../monitors/windows";
import { startTestApp, type TestApp } from "../../../test/support/app";
import { registerMonitorMetrics } from "./metrics";

let app: TestApp;
/** When createApp had surely registered the metrics (the latency histogram counts from then). */
let started: number;
before(async () => {
  app = await startTestApp();
  started = Date.now();
});
after(async () => {
  await app?.close();
});

const MIN = 60_000;
const DAY = 86_400_000;

/** The exposition text as { 'name{a="x",b="y"}': value } with labels sorted by name. */
function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = [...(m[2] ?? "").matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)]
      .map((l) => `${l[1]}="${l[2]}"`)
      .sort()
      .join(",");
    out.set(`${m[1]}{${labels}}`, Number(m[3]));
  }
  return out;
}
const key = (name: string, labels: Record<string, string>) =>
  `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(",")}}`;

test("/metrics: SLA per app and window, target, budget, alerts, incidents, latency histogram, word hits", async () => {
  const db = app.database.db;
  const tenant = app.platformTenantId;
  const now = Date.now();
  const insertApp = async (name: string, target: number) =>
    (
      await sql<{ id: string }>`
        INSERT INTO monitor_apps (tenant_id, name, sla_target) VALUES (${tenant}, ${name}, ${target}) RETURNING id`.execute(
        db,
      )
    ).rows[0]?.id as string;
  const portal = await insertApp("门户 Portal", 0.999);
  const oa = await insertApp("OA", 0.99);
  const sys = await app.signIn("sysadmin");
  const monitor = async (name: string, appId: string) => {
    const res = await sys
      .post("/api/v1/monitors")
      .send({ type: "tcp", name, host: "127.0.0.1", port: 9, intervalSeconds: 60, appId });
    assert.equal(res.status, 201, res.text);
    return res.body.id as string;
  };
  const p1 = await monitor("portal-tcp", portal);
  const o1 = await monitor("oa-tcp", oa);
  // Portal: watched for two days, down for 30 minutes an hour ago. OA: up for 40 days.
  const seedStart = now - 2 * DAY;
  const down = { start: now - 60 * MIN, end: now - 30 * MIN };
  const transitions = [
    { monitor_id: p1, at: new Date(seedStart), state: "up" as const, reason: "ok" },
    { monitor_id: p1, at: new Date(down.start), state: "down" as const, reason: "connection-refused" },
    { monitor_id: p1, at: new Date(down.end), state: "up" as const, reason: "ok" },
    { monitor_id: o1, at: new Date(now - 40 * DAY), state: "up" as const, reason: "ok" },
  ];
  await db.insertInto("monitor_transitions").values(transitions).execute();

  // Raw results for the latency histogram (inserted directly: they must not add transitions).
  const at = Date.now() - 3_000;
  const latencies: [string, number][] = [
    ["up", 20],
    ["up", 300],
    ["degraded", 2_000],
    ["down", 5_000],
  ];
  for (const [i, [state, ms]] of latencies.entries()) {
    await sql`INSERT INTO monitor_results (monitor_id, at, state, latency_ms, reason)
              VALUES (${p1}, ${new Date(at + i)}, ${state}, ${ms}, 'ok')`.execute(db);
  }
  assert.ok(at > started - 5_000, "inside the histogram's first read");

  const alert = (severity: string, state: string) =>
    sql`
    INSERT INTO alerts (tenant_id, rule_name, category, fingerprint, labels, severity, state, summary, summary_zh,
                        first_seen, last_seen, acknowledged_at, resolved_at, resolved_reason)
    VALUES (${tenant}, 'r', 'monitor_state', ${`${severity}-${state}-${Math.random()}`}, '{}', ${severity}, ${state},
            's', 's', now(), now(), ${state === "acknowledged" ? new Date() : null},
            ${state === "resolved" ? new Date() : null}, ${state === "resolved" ? "cleared" : null})`.execute(db);
  await alert("critical", "firing");
  await alert("critical", "firing");
  await alert("warning", "acknowledged");
  await alert("info", "resolved");
  let n = 0;
  const incident = (grade: string, state: string) =>
    sql`
    INSERT INTO incidents (tenant_id, number, title, grade, state, respond_by, fix_by)
    VALUES (${tenant}, ${`INC-2026-${String(++n).padStart(4, "0")}`}, 't', ${grade}, ${state}, now(), now())`.execute(
      db,
    );
  await incident("I", "open");
  await incident("III", "mitigated");
  await incident("II", "closed");
  await incident("II", "resolved");

  const today = new Date().toISOString().slice(0, 10);
  await sql`INSERT INTO word_hit_stats (day, tenant_id, category, word, app_id, hits) VALUES
    (${today}, ${tenant}, 'politics', 'a', '', 5), (${today}, ${tenant}, 'politics', 'b', 'app1', 3),
    (${today}, ${tenant}, 'ads', 'c', '', 2)`.execute(db);

  // The histogram reads results older than its lag (5 s).
  await new Promise((r) => setTimeout(r, Math.max(0, at + 5_500 - Date.now())));
  const res = await app.http.get("/metrics");
  assert.equal(res.status, 200);
  const m = parse(res.text);
  const scrape = Date.now();

  // Availability: up / eligible, where eligible starts when the monitor was first seen.
  const expected = (windowStart: number) => {
    const from = Math.max(windowStart, seedStart);
    const eligible = scrape - from;
    const downMs = Math.max(0, Math.min(down.end, scrape) - Math.max(down.start, from));
    return { eligible, downMs, availability: (eligible - downMs) / eligible };
  };
  const windows = {
    "1d": scrape - DAY,
    "30d": scrape - 30 * DAY,
    day: calendarWindow("day", scrape).start,
    month: calendarWindow("month", scrape).start,
  };
  for (const [window, start] of Object.entries(windows)) {
    const got = m.get(key("tianshu_sla_availability_ratio", { app: "门户 Portal", app_id: portal, window })) as number;
    assert.ok(
      Math.abs(got - expected(start).availability) < 1e-3,
      `${window}: ${got} vs ${expected(start).availability}`,
    );
    assert.equal(m.get(key("tianshu_sla_availability_ratio", { app: "OA", app_id: oa, window })), 1, window);
  }
  assert.ok(
    (m.get(key("tianshu_sla_availability_ratio", { app: "门户 Portal", app_id: portal, window: "1d" })) as number) <
      0.98,
  );
  assert.equal(m.get(key("tianshu_sla_target_ratio", { app: "门户 Portal", app_id: portal })), 0.999);
  assert.equal(m.get(key("tianshu_sla_target_ratio", { app: "OA", app_id: oa })), 0.99);
  const month = expected(windows.month);
  const budget = 0.001 * month.eligible;
  const remaining = (budget - month.downMs) / budget;
  const gotBudget = m.get(
    key("tianshu_error_budget_remaining_ratio", { app: "门户 Portal", app_id: portal }),
  ) as number;
  assert.ok(gotBudget < 0, "overspent: 30 minutes down against a budget of minutes");
  assert.ok(Math.abs(gotBudget - remaining) < Math.abs(remaining) * 0.01, `${gotBudget} vs ${remaining}`);
  assert.equal(m.get(key("tianshu_error_budget_remaining_ratio", { app: "OA", app_id: oa })), 1);

  assert.equal(m.get(key("tianshu_alerts_firing", { severity: "critical" })), 2);
  assert.equal(m.get(key("tianshu_alerts_firing", { severity: "warning" })), 0, "acknowledged is not firing");
  assert.equal(m.get(key("tianshu_alerts_firing", { severity: "info" })), 0);
  assert.deepEqual(
    ["I", "II", "III", "IV"].map((grade) => m.get(key("tianshu_incidents_open", { grade }))),
    [1, 0, 1, 0],
  );

  // Histogram: up and degraded results only (20 ms, 300 ms, 2 s), cumulative buckets.
  const bucket = (le: string) => m.get(key("tianshu_monitor_latency_seconds_bucket", { le, monitor: "portal-tcp" }));
  assert.equal(bucket("0.025"), 1);
  assert.equal(bucket("0.25"), 1);
  assert.equal(bucket("0.5"), 2);
  assert.equal(bucket("2.5"), 3);
  assert.equal(bucket("+Inf"), 3);
  assert.equal(m.get(key("tianshu_monitor_latency_seconds_count", { monitor: "portal-tcp" })), 3);
  assert.ok(
    Math.abs((m.get(key("tianshu_monitor_latency_seconds_sum", { monitor: "portal-tcp" })) ?? 0) - 2.32) < 1e-9,
  );
  // Counted once: a second scrape after the cache does not add them again.
  await new Promise((r) => setTimeout(r, 5_200));
  const again = parse((await app.http.get("/metrics")).text);
  assert.equal(again.get(key("tianshu_monitor_latency_seconds_count", { monitor: "portal-tcp" })), 3);

  assert.equal(m.get(key("tianshu_sensitive_word_hits_total", { category: "politics" })), 8);
  assert.equal(m.get(key("tianshu_sensitive_word_hits_total", { category: "ads" })), 2);
  // Labels stay bounded: no word, user or time in any label of these series.
  assert.ok(!/tianshu_sensitive_word_hits_total\{[^}]*word=/.test(res.text));
});

test("SLA figures are recomputed in the background: a scrape never waits once there are figures", async () => {
  const db = app.database.db;
  let t = Date.now();
  const registry = new client.Registry();
  registerMonitorMetrics(registry, db, { slaCacheMs: 60_000, now: () => t });
  const portal = async () =>
    parse(await registry.metrics()).get(
      key("tianshu_sla_availability_ratio", {
        app: "门户 Portal",
        app_id: (await sql<{ id: string }>`SELECT id FROM monitor_apps WHERE name = '门户 Portal'`.execute(db)).rows[0]
          ?.id as string,
        window: "1d",
      }),
    ) as number;
  const first = await portal();
  assert.ok(first > 0.97 && first < 0.98, String(first));
  // Another 10-minute outage of the portal's monitor, 20 minutes ago.
  const p1 = (await sql<{ id: string }>`SELECT id FROM monitors WHERE name = 'portal-tcp'`.execute(db)).rows[0]?.id;
  await db
    .insertInto("monitor_transitions")
    .values([
      { monitor_id: p1 as string, at: new Date(t - 20 * MIN), state: "down", reason: "timeout" },
      { monitor_id: p1 as string, at: new Date(t - 10 * MIN), state: "up", reason: "ok" },
    ])
    .execute();
  assert.equal(await portal(), first, "within the minute: the same figures");
  t += 61_000;
  assert.equal(await portal(), first, "expired: the last figures, while the next are computed");
  let next = first;
  for (let i = 0; i < 100 && next === first; i++) {
    await new Promise((r) => setTimeout(r, 50));
    next = await portal();
  }
  assert.ok(Math.abs(first - next - 10 / 1440) < 1e-3, `${first} → ${next}`);
});
