import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { pino } from "pino";
import { openIncident } from "../../../monitors/incident-store";
import { incidentDeadlineJob, incidentDeadlineRound } from "../../../monitors/incident-job";
import { DEFAULT_DEADLINES } from "../../../monitors/incidents";
import { auditCount, startTestApp, type TestApp } from "../../../test/support/app";
import { withTx } from "../db/tx";

let app: TestApp;
before(async () => {
  // The in-process prober (and its leader jobs) stays off: this file drives the deadline job itself.
  app = await startTestApp({ TIANSHU_MONITORS: "off" });
});
after(() => app?.close());

const MIN = 60_000;
type Agent = Awaited<ReturnType<TestApp["signIn"]>>;

/** An incident of the platform tenant opened `minutesAgo` ago, straight through the store (as H2's alerts do). */
async function openedAgo(minutesAgo: number, grade: "I" | "II" | "III" | "IV", extra: { contacts?: never[] } = {}) {
  return withTx(app.database.db, (tx) =>
    openIncident(
      tx,
      {
        tenantId: app.platformTenantId,
        title: `opened ${minutesAgo} min ago`,
        grade,
        openedAt: new Date(Date.now() - minutesAgo * MIN),
        ...extra,
      },
      { userId: null, role: null },
    ),
  );
}

async function userId(username: string): Promise<string> {
  const row = await app.database.db
    .selectFrom("users")
    .select("id")
    .where("username", "=", username)
    .executeTakeFirstOrThrow();
  return row.id;
}

describe("incidents API", () => {
  let sys: Agent;
  before(async () => {
    sys = await app.signIn("sysadmin");
  });

  test("only the system admin handles incidents (三员分立); denials audited", async () => {
    for (const role of ["secadmin", "auditadmin"] as const) {
      const agent = await app.signIn(role);
      const denied = await auditCount(app, { action: "authz.denied" });
      assert.equal((await agent.get("/api/v1/incidents")).status, 403, role);
      assert.equal((await agent.post("/api/v1/incidents").send({ title: "x", grade: "I" })).status, 403, role);
      assert.equal((await agent.get("/api/v1/incident-settings")).status, 403, role);
      assert.equal(
        (await agent.get("/api/v1/incidents/stats?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z")).status,
        403,
      );
      assert.equal(await auditCount(app, { action: "authz.denied" }), denied + 4);
    }
  });

  test("open by hand: a number, deadlines of its grade, the first timeline event, audited", async () => {
    const audited = await auditCount(app, { action: "incident.open" });
    const res = await sys
      .post("/api/v1/incidents")
      .send({ title: "门户登录失败", grade: "II", description: "SSO 502" });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.headers.etag, '"1"');
    assert.match(res.body.number, /^INC-\d{4}-\d{4}$/);
    assert.equal(res.body.state, "open");
    assert.deepEqual(res.body.gradeName, { zh: "较大", en: "Major" });
    const opened = Date.parse(res.body.openedAt);
    assert.equal(Date.parse(res.body.respondBy) - opened, DEFAULT_DEADLINES.II.respondMinutes * MIN);
    assert.equal(Date.parse(res.body.fixBy) - opened, DEFAULT_DEADLINES.II.fixMinutes * MIN);
    assert.deepEqual(res.body.respond, { breached: false, markedAt: null });
    assert.deepEqual(
      res.body.timeline.map((e: { kind: string; actorName: string }) => [e.kind, e.actorName]),
      [["opened", "sysadmin"]],
    );
    assert.equal(await auditCount(app, { action: "incident.open" }), audited + 1);
    const row = await app.database.db
      .selectFrom("audit_events")
      .select(["actor_name", "actor_role"])
      .where("action", "=", "incident.open")
      .where("target_id", "=", res.body.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(row, { actor_name: "sysadmin", actor_role: "sysadmin" });
  });

  test("input is validated: unknown fields, grades, contacts", async () => {
    const bad = [
      { title: "x", grade: "V" },
      { title: "", grade: "I" },
      { title: "x", grade: "I", severity: "high" },
      { title: "x", grade: "I", contacts: [{ kind: "pager", id: crypto.randomUUID() }] },
    ];
    for (const body of bad)
      assert.equal((await sys.post("/api/v1/incidents").send(body)).status, 400, JSON.stringify(body));
    const unknown = await sys
      .post("/api/v1/incidents")
      .send({ title: "x", grade: "I", contacts: [{ kind: "user", id: crypto.randomUUID() }] });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.code, "INCIDENT_CONTACT_UNKNOWN");
    assert.ok(unknown.body.zh);
    const ref = await sys
      .post("/api/v1/incidents")
      .send({ title: "x", grade: "I", monitorId: crypto.randomUUID(), alertId: crypto.randomUUID() });
    assert.equal(ref.status, 400);
    assert.equal(ref.body.code, "INCIDENT_REFERENCE_UNKNOWN");
    assert.deepEqual(
      ref.body.errors.map((e: { path: string }) => e.path),
      ["body.monitorId", "body.alertId"],
    );
    const monitor = await sys
      .post("/api/v1/monitors")
      .send({ type: "tcp", name: "db", host: "127.0.0.1", port: 5432, intervalSeconds: 60 });
    assert.equal(monitor.status, 201, monitor.text);
    const linked = await sys
      .post("/api/v1/incidents")
      .send({ title: "db down", grade: "II", monitorId: monitor.body.id });
    assert.equal(linked.status, 201);
    assert.equal(linked.body.monitorId, monitor.body.id);
  });

  test("the lifecycle: forward only, reopen from resolved, close needs a complete review; refusals in zh and en", async () => {
    const created = await sys.post("/api/v1/incidents").send({ title: "支付超时", grade: "III" });
    const id: string = created.body.id;
    const url = `/api/v1/incidents/${id}`;

    assert.equal((await sys.post(`${url}/acknowledge`).send({})).status, 428, "If-Match required");
    assert.equal((await sys.post(`${url}/acknowledge`).set("If-Match", '"7"').send({})).status, 409, "stale version");

    const ack = await sys.post(`${url}/acknowledge`).set("If-Match", '"1"').send({ note: "值班工程师已介入" });
    assert.equal(ack.status, 200, ack.text);
    assert.equal(ack.body.state, "acknowledged");
    assert.ok(ack.body.acknowledgedAt);
    assert.equal(ack.headers.etag, '"2"');

    const again = await sys.post(`${url}/acknowledge`).set("If-Match", '"2"').send({});
    assert.equal(again.status, 409);
    assert.equal(again.body.code, "INCIDENT_TRANSITION");
    assert.match(again.body.detail, /acknowledged cannot become acknowledged/);
    assert.match(again.body.zh, /已响应/);

    const early = await sys.post(`${url}/close`).set("If-Match", '"2"').send({ review: {} });
    assert.equal(early.status, 409, "closing needs a resolved incident");
    const reopenEarly = await sys.post(`${url}/reopen`).set("If-Match", '"2"').send({});
    assert.equal(reopenEarly.status, 409);
    assert.match(reopenEarly.body.zh, /只有“已解决”/);

    assert.equal((await sys.post(`${url}/mitigate`).set("If-Match", '"2"').send({})).body.state, "mitigated");
    const back = await sys.post(`${url}/acknowledge`).set("If-Match", '"3"').send({});
    assert.equal(back.status, 409, "never back");
    const resolved = await sys.post(`${url}/resolve`).set("If-Match", '"3"').send({});
    assert.equal(resolved.body.state, "resolved");
    assert.ok(resolved.body.resolvedAt);

    const reopened = await sys.post(`${url}/reopen`).set("If-Match", '"4"').send({ note: "再次出现" });
    assert.equal(reopened.body.state, "acknowledged");
    assert.equal(reopened.body.resolvedAt, null);
    assert.equal((await sys.post(`${url}/resolve`).set("If-Match", '"5"').send({})).status, 200);

    const incomplete = await sys
      .post(`${url}/close`)
      .set("If-Match", '"6"')
      .send({ review: { impact: "支付", rootCause: " ", actions: [" "] } });
    assert.equal(incomplete.status, 400);
    assert.equal(incomplete.body.code, "INCIDENT_REVIEW_INCOMPLETE");
    assert.deepEqual(incomplete.body.errors.map((e: { path: string }) => e.path).sort(), [
      "body.review.actions",
      "body.review.affectedShare",
      "body.review.rootCause",
    ]);
    assert.ok(incomplete.body.errors.every((e: { zh: string }) => e.zh));

    const review = { impact: "支付接口", affectedShare: 0.2, rootCause: "连接池耗尽", actions: ["扩容连接池", ""] };
    const closed = await sys.post(`${url}/close`).set("If-Match", '"6"').send({ review });
    assert.equal(closed.status, 200, closed.text);
    assert.equal(closed.body.state, "closed");
    assert.deepEqual(closed.body.review, { ...review, actions: ["扩容连接池"] });
    assert.equal((await sys.post(`${url}/reopen`).set("If-Match", '"7"').send({})).status, 409, "closed is final");
    assert.equal(
      (await sys.post(`${url}/regrade`).set("If-Match", '"7"').send({ grade: "I", reason: "x" })).status,
      409,
    );

    const comment = await sys.post(`${url}/comments`).send({ text: "复盘会议已安排" });
    assert.equal(comment.status, 201);
    assert.deepEqual(
      comment.body.timeline.map((e: { kind: string; from: string | null; to: string | null }) => [
        e.kind,
        e.from,
        e.to,
      ]),
      [
        ["opened", null, "III"],
        ["acknowledged", "open", "acknowledged"],
        ["mitigated", "acknowledged", "mitigated"],
        ["resolved", "mitigated", "resolved"],
        ["reopened", "resolved", "acknowledged"],
        ["resolved", "acknowledged", "resolved"],
        ["closed", "resolved", "closed"],
        ["comment", null, null],
      ],
    );
    assert.equal(comment.body.timeline[1].note, "值班工程师已介入");
    for (const action of ["acknowledge", "mitigate", "resolve", "reopen", "close", "comment"]) {
      const n = await app.database.db
        .selectFrom("audit_events")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .where("action", "=", `incident.${action}`)
        .where("target_id", "=", id)
        .executeTakeFirstOrThrow();
      assert.equal(Number(n.n), action === "resolve" ? 2 : 1, action);
    }
  });

  test("a share of users above 1 is refused by the schema before the rules", async () => {
    // Documents the split: zod bounds the share, reviewProblems checks completeness.
    const created = await sys.post("/api/v1/incidents").send({ title: "x", grade: "IV" });
    const res = await sys
      .post(`/api/v1/incidents/${created.body.id}/close`)
      .set("If-Match", '"1"')
      .send({ review: { affectedShare: 2 } });
    assert.equal(res.status, 400);
  });

  test("regrading recomputes deadlines from the opening: a 20-minute-old IV raised to I is late at once", async () => {
    const { id } = await openedAgo(20, "IV");
    const url = `/api/v1/incidents/${id}`;
    const before = await sys.get(url);
    assert.equal(before.body.respond.breached, false);
    assert.equal((await sys.post(`${url}/regrade`).set("If-Match", '"1"').send({ grade: "I" })).status, 400, "reason");
    assert.equal(
      (await sys.post(`${url}/regrade`).set("If-Match", '"1"').send({ grade: "IV", reason: "same" })).body.code,
      "INCIDENT_SAME_GRADE",
    );
    const res = await sys.post(`${url}/regrade`).set("If-Match", '"1"').send({ grade: "I", reason: "影响全部用户" });
    assert.equal(res.status, 200, res.text);
    const opened = Date.parse(res.body.openedAt);
    assert.equal(Date.parse(res.body.respondBy), opened + 5 * MIN);
    assert.equal(Date.parse(res.body.fixBy), opened + 120 * MIN);
    assert.equal(res.body.respond.breached, true);
    assert.equal(res.body.fix.breached, false);
    const last = res.body.timeline.at(-1);
    assert.deepEqual([last.kind, last.from, last.to, last.note], ["regraded", "IV", "I", "影响全部用户"]);
    const listed = await sys.get("/api/v1/incidents?grade=I&open=true");
    assert.ok(
      listed.body.some((i: { id: string; respond: { breached: boolean } }) => i.id === id && i.respond.breached),
    );
  });

  test("the deadline job marks each breach once and escalates once per breach to the next contact", async () => {
    const sysId = await userId("sysadmin");
    // The incidents of the tests before are marked first, so the counts below are this one's.
    await incidentDeadlineRound(app.database.db, Date.now() + 365 * 24 * 60 * MIN);
    const channel = await app.database.db
      .insertInto("notification_channels")
      .values({
        tenant_id: app.platformTenantId,
        name: `oncall-${crypto.randomUUID()}`,
        type: "console",
        config: JSON.stringify({ roles: ["sysadmin"], userIds: [] }),
      } as never)
      .returning("id")
      .executeTakeFirstOrThrow();
    const created = await sys.post("/api/v1/incidents").send({ title: "核心库宕机", grade: "I" });
    const id: string = created.body.id;
    const set = await sys
      .put(`/api/v1/incidents/${id}/contacts`)
      .set("If-Match", '"1"')
      .send({
        contacts: [
          { kind: "channel", id: channel.id },
          { kind: "user", id: sysId },
        ],
      });
    assert.equal(set.status, 200, set.text);
    assert.equal(set.body.contacts.length, 2);

    assert.deepEqual(
      await incidentDeadlineRound(app.database.db, Date.now()),
      { breaches: 0, escalations: 0 },
      "not due",
    );
    // Ten minutes later: the 5-minute response deadline is missed (the 2-hour fix deadline not yet).
    const later = Date.now() + 10 * MIN;
    assert.deepEqual(await incidentDeadlineRound(app.database.db, later, () => false), { breaches: 0, escalations: 0 });
    const [a, b] = await Promise.all([
      incidentDeadlineRound(app.database.db, later),
      incidentDeadlineRound(app.database.db, later),
    ]);
    assert.equal((a?.breaches ?? 0) + (b?.breaches ?? 0), 1, "two leaders racing mark it once");
    assert.deepEqual(await incidentDeadlineRound(app.database.db, later + MIN), { breaches: 0, escalations: 0 });

    const after1 = await sys.get(`/api/v1/incidents/${id}`);
    assert.equal(after1.body.escalationLevel, 1);
    assert.ok(after1.body.respond.markedAt);
    assert.equal(after1.body.fix.markedAt, null);
    assert.equal(after1.headers.etag, '"2"', "the job's marks do not change the version users edit against");
    const deliveries = await app.database.db
      .selectFrom("notification_deliveries")
      .select(["channel_id", "severity", "title_zh", "link"])
      .where("source_id", "=", id)
      .execute();
    assert.equal(deliveries.length, 1);
    assert.equal(deliveries[0]?.channel_id, channel.id);
    assert.equal(deliveries[0]?.severity, "critical");
    assert.match(deliveries[0]?.title_zh ?? "", /响应超时/);
    assert.equal(deliveries[0]?.link, `/system/incidents?id=${id}`);

    // Past the fix deadline: the second breach goes to the second contact (a user: a console message).
    const muchLater = Date.now() + 3 * 60 * MIN;
    assert.deepEqual(await incidentDeadlineRound(app.database.db, muchLater), { breaches: 1, escalations: 1 });
    assert.deepEqual(await incidentDeadlineRound(app.database.db, muchLater), { breaches: 0, escalations: 0 });
    const messages = await app.database.db
      .selectFrom("notification_messages")
      .select(["recipient_user_id", "title_en"])
      .where("source_id", "=", id)
      .where("delivery_id", "is", null)
      .execute();
    assert.deepEqual(
      messages.map((m) => m.recipient_user_id),
      [sysId],
    );
    assert.match(messages[0]?.title_en ?? "", /fix deadline missed/);
    const detail = await sys.get(`/api/v1/incidents/${id}`);
    assert.equal(detail.body.escalationLevel, 2);
    assert.deepEqual(
      detail.body.timeline
        .filter((e: { kind: string }) => e.kind === "breach" || e.kind === "escalated")
        .map((e: { kind: string; to: string; actorName: string }) => [e.kind, e.to, e.actorName]),
      [
        ["breach", "respond", "system"],
        ["escalated", `channel:${channel.id}`, "system"],
        ["breach", "fix", "system"],
        ["escalated", `user:${sysId}`, "system"],
      ],
    );
    const audits = await app.database.db
      .selectFrom("audit_events")
      .select(["actor_name", "actor_id"])
      .where("action", "=", "incident.breach")
      .where("target_id", "=", id)
      .execute();
    assert.equal(audits.length, 2);
    assert.ok(audits.every((r) => r.actor_name === "system" && r.actor_id === null));
  });

  test("an incident acknowledged in time is never marked; without contacts a breach is marked, nobody escalated to", async () => {
    const created = await sys.post("/api/v1/incidents").send({ title: "ok", grade: "I" });
    await sys.post(`/api/v1/incidents/${created.body.id}/acknowledge`).set("If-Match", '"1"').send({});
    const { id: late } = await openedAgo(30, "II");
    const r = await incidentDeadlineRound(app.database.db, Date.now() + 10 * MIN);
    assert.ok(r.breaches >= 1);
    const ok = await sys.get(`/api/v1/incidents/${created.body.id}`);
    assert.equal(ok.body.respond.markedAt, null);
    const marked = await sys.get(`/api/v1/incidents/${late}`);
    assert.ok(marked.body.respond.markedAt);
    assert.equal(marked.body.escalationLevel, 0, "no contacts: nobody to escalate to");
  });

  test("the leader job runs rounds on its own and stops cleanly", async () => {
    const { id } = await openedAgo(30, "I");
    let leader = true;
    const job = incidentDeadlineJob(20).start({
      db: app.database.db,
      logger: pino({ level: "silent" }),
      isLeader: () => leader,
    });
    const deadline = Date.now() + 5000;
    let markedAt: Date | null = null;
    while (Date.now() < deadline && !markedAt) {
      await new Promise((r) => setTimeout(r, 50));
      const row = await app.database.db
        .selectFrom("incidents")
        .select("respond_breached_at")
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      markedAt = row.respond_breached_at;
    }
    leader = false;
    await job.stop();
    assert.ok(markedAt, "marked by the job");
  });

  test("statistics per grade over hand-made incidents", async () => {
    const db = app.database.db;
    const T0 = Date.UTC(2025, 0, 10, 8, 0, 0);
    const make = async (grade: "I" | "II", ackMin: number | null, resMin: number | null) => {
      const { id } = await withTx(db, (tx) =>
        openIncident(
          tx,
          { tenantId: app.platformTenantId, title: "stat", grade, openedAt: new Date(T0) },
          { userId: null, role: null },
        ),
      );
      await db
        .updateTable("incidents")
        .set({
          acknowledged_at: ackMin === null ? null : new Date(T0 + ackMin * MIN),
          resolved_at: resMin === null ? null : new Date(T0 + resMin * MIN),
          state: resMin === null ? (ackMin === null ? "open" : "acknowledged") : "resolved",
        })
        .where("id", "=", id)
        .execute();
    };
    await make("I", 2, 60); // on time both
    await make("I", 10, 180); // late both
    await make("II", 5, null); // ack on time; fix (24 h) long past, unresolved: late
    const res = await sys.get("/api/v1/incidents/stats?from=2025-01-10T00:00:00Z&to=2025-01-11T00:00:00Z");
    assert.equal(res.status, 200, res.text);
    const byGrade = Object.fromEntries(res.body.grades.map((g: { grade: string }) => [g.grade, g]));
    assert.deepEqual(byGrade.I, {
      grade: "I",
      incidents: 2,
      mttaMinutes: 6,
      mttrMinutes: 120,
      respondOnTime: 0.5,
      fixOnTime: 0.5,
    });
    assert.deepEqual(byGrade.II, {
      grade: "II",
      incidents: 1,
      mttaMinutes: 5,
      mttrMinutes: null,
      respondOnTime: 1,
      fixOnTime: 0,
    });
    assert.equal(byGrade.III.incidents, 0);
    assert.equal(
      (await sys.get("/api/v1/incidents/stats?from=2025-01-11T00:00:00Z&to=2025-01-10T00:00:00Z")).status,
      400,
    );
    const listed = await sys.get("/api/v1/incidents?from=2025-01-10T00:00:00Z&to=2025-01-11T00:00:00Z&_end=1");
    assert.equal(listed.headers["x-total-count"], "3");
    assert.equal(listed.body.length, 1, "paginated");
  });

  test("tenant deadlines: validated by the rules, If-Match, applied to running incidents, audited", async () => {
    const got = await sys.get("/api/v1/incident-settings");
    assert.equal(got.status, 200);
    assert.equal(got.body.isDefault, true);
    assert.deepEqual(got.body.deadlines, DEFAULT_DEADLINES);
    assert.equal(got.headers.etag, '"0"');

    const table = {
      I: { respondMinutes: 10, fixMinutes: 60 },
      II: { respondMinutes: 5, fixMinutes: 600 },
      III: { respondMinutes: 30, fixMinutes: 1200 },
      IV: { respondMinutes: 60, fixMinutes: 2400 },
    };
    const unordered = await sys.put("/api/v1/incident-settings").set("If-Match", '"0"').send({ deadlines: table });
    assert.equal(unordered.status, 400);
    assert.equal(unordered.body.code, "INCIDENT_DEADLINES_INVALID");
    assert.match(unordered.body.zh, /I 级的时限长于 II 级/);
    const respondAfterFix = {
      ...table,
      I: { respondMinutes: 5, fixMinutes: 3 },
      II: { respondMinutes: 5, fixMinutes: 600 },
    };
    assert.equal(
      (await sys.put("/api/v1/incident-settings").set("If-Match", '"0"').send({ deadlines: respondAfterFix })).status,
      400,
    );
    const tooLong = { ...table, I: { respondMinutes: 5, fixMinutes: 50_000 } };
    assert.equal(
      (await sys.put("/api/v1/incident-settings").set("If-Match", '"0"').send({ deadlines: tooLong })).status,
      400,
    );

    const good = { ...table, I: { respondMinutes: 3, fixMinutes: 60 } };
    assert.equal((await sys.put("/api/v1/incident-settings").send({ deadlines: good })).status, 428);
    const running = await sys.post("/api/v1/incidents").send({ title: "running", grade: "I" });
    const audited = await auditCount(app, { action: "incident.settings.update" });
    const saved = await sys.put("/api/v1/incident-settings").set("If-Match", '"0"').send({ deadlines: good });
    assert.equal(saved.status, 200, saved.text);
    assert.equal(saved.body.version, 1);
    assert.equal(saved.body.isDefault, false);
    assert.deepEqual(saved.body.deadlines, good);
    assert.equal(await auditCount(app, { action: "incident.settings.update" }), audited + 1);
    assert.equal(
      (await sys.put("/api/v1/incident-settings").set("If-Match", '"0"').send({ deadlines: good })).status,
      409,
    );

    const now = await sys.get(`/api/v1/incidents/${running.body.id}`);
    assert.equal(
      Date.parse(now.body.respondBy) - Date.parse(now.body.openedAt),
      3 * MIN,
      "running incident recomputed",
    );
    const fresh = await sys.post("/api/v1/incidents").send({ title: "new", grade: "II" });
    assert.equal(Date.parse(fresh.body.respondBy) - Date.parse(fresh.body.openedAt), 5 * MIN);
  });

  test("the routes are in the OpenAPI document with their ability", async () => {
    const doc = (await app.http.get("/api/openapi.json")).body;
    assert.deepEqual(doc.paths["/api/v1/incidents/{id}/regrade"].post["x-required-ability"], {
      action: "update",
      subject: "Incident",
    });
    assert.ok(doc.paths["/api/v1/incidents/stats"].get);
    assert.ok(doc.paths["/api/v1/incident-settings"].put);
    assert.ok(doc.components.schemas.IncidentDetail);
  });
});
