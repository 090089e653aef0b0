import assert from "node:assert/strict";
import { test } from "node:test";
import {
  breachesOf,
  canMove,
  DEFAULT_DEADLINES,
  deadlineProblems,
  deadlinesOf,
  gradeStats,
  type IncidentTimes,
  nextEscalation,
  reviewProblems,
} from "./incidents";

const T0 = Date.UTC(2026, 10, 26, 2, 0); // 10:00 in Beijing
const min = (n: number) => T0 + n * 60_000;

test("deadlines per grade as the issue sets them, from the opening", () => {
  assert.deepEqual(deadlinesOf({ grade: "I", openedAt: T0 }), { respondBy: min(5), fixBy: min(120) });
  assert.deepEqual(deadlinesOf({ grade: "II", openedAt: T0 }), { respondBy: min(15), fixBy: min(24 * 60) });
  assert.deepEqual(deadlinesOf({ grade: "III", openedAt: T0 }), { respondBy: min(30), fixBy: min(48 * 60) });
  assert.deepEqual(deadlinesOf({ grade: "IV", openedAt: T0 }), { respondBy: min(60), fixBy: min(72 * 60) });
});

test("regrading recomputes from the same opening: raising IV to I makes a 20-minute-old incident late", () => {
  const incident: IncidentTimes = { grade: "IV", openedAt: T0, acknowledgedAt: null, resolvedAt: null };
  assert.deepEqual(breachesOf(incident, min(20)), []);
  assert.deepEqual(breachesOf({ ...incident, grade: "I" }, min(20)), [{ kind: "respond", deadline: min(5) }]);
});

test("breaches: on the deadline is on time, a minute after is late; late acknowledgement stays a breach", () => {
  const open: IncidentTimes = { grade: "I", openedAt: T0, acknowledgedAt: null, resolvedAt: null };
  assert.deepEqual(breachesOf(open, min(5)), [], "exactly at the deadline");
  assert.deepEqual(breachesOf(open, min(6)), [{ kind: "respond", deadline: min(5) }]);
  assert.deepEqual(breachesOf({ ...open, acknowledgedAt: min(5) }, min(60)), [], "acknowledged on the dot");
  assert.deepEqual(breachesOf({ ...open, acknowledgedAt: min(7) }, min(60)), [{ kind: "respond", deadline: min(5) }]);
  assert.deepEqual(breachesOf({ ...open, acknowledgedAt: min(1) }, min(121)), [{ kind: "fix", deadline: min(120) }]);
  assert.deepEqual(
    breachesOf({ ...open, acknowledgedAt: min(1), resolvedAt: min(100) }, min(500)),
    [],
    "resolved in time",
  );
  assert.deepEqual(
    breachesOf({ ...open, resolvedAt: min(3) }, min(500)),
    [],
    "resolved before anyone acknowledged: that is a response too",
  );
});

test("lifecycle: forward only, reopen from resolved, nothing after closed", () => {
  assert.ok(canMove("open", "acknowledged"));
  assert.ok(canMove("open", "resolved"));
  assert.ok(canMove("mitigated", "resolved"));
  assert.ok(canMove("resolved", "closed"));
  assert.ok(canMove("resolved", "acknowledged"), "recurs: reopened");
  assert.ok(!canMove("acknowledged", "open"));
  assert.ok(!canMove("open", "closed"), "closing needs resolution first");
  assert.ok(!canMove("closed", "acknowledged"));
});

test("closing needs a complete post-incident review", () => {
  assert.deepEqual(
    reviewProblems(null).map((p) => p.field),
    ["impact", "affectedShare", "rootCause", "actions"],
  );
  assert.deepEqual(
    reviewProblems({ impact: "审批系统不可用", affectedShare: 1.5, rootCause: " ", actions: [""] }).map((p) => p.field),
    ["affectedShare", "rootCause", "actions"],
  );
  assert.deepEqual(
    reviewProblems({ impact: "审批系统不可用", affectedShare: 0.3, rootCause: "证书过期", actions: ["证书到期预警"] }),
    [],
  );
});

test("escalation goes down the contact list once per breach, then stops", () => {
  const contacts = ["值班工程师", "组长", "部门负责人"];
  assert.equal(nextEscalation(contacts, 0), "值班工程师");
  assert.equal(nextEscalation(contacts, 2), "部门负责人");
  assert.equal(nextEscalation(contacts, 3), null);
});

test("tenant deadlines are checked: whole minutes, respond before fix, graver grades never slower", () => {
  assert.deepEqual(deadlineProblems(DEFAULT_DEADLINES), []);
  const slowI = { ...DEFAULT_DEADLINES, I: { respondMinutes: 20, fixMinutes: 120 } };
  assert.equal(deadlineProblems(slowI).length, 1);
  const inverted = { ...DEFAULT_DEADLINES, III: { respondMinutes: 30, fixMinutes: 10 } };
  assert.ok(deadlineProblems(inverted).some((p) => p.zh.includes("响应时限不能晚于修复时限")));
  const fractional = { ...DEFAULT_DEADLINES, IV: { respondMinutes: 60.5, fixMinutes: 72 * 60 } };
  assert.ok(deadlineProblems(fractional).some((p) => p.message.includes("whole number")));
});

test("MTTA, MTTR and on-time rates per grade, counting a pending deadline only once it has passed", () => {
  const incidents: IncidentTimes[] = [
    // grade I: acknowledged at 4 and 10 min, resolved at 60 and 180 min
    { grade: "I", openedAt: min(0), acknowledgedAt: min(4), resolvedAt: min(60) },
    { grade: "I", openedAt: min(0), acknowledgedAt: min(10), resolvedAt: min(180) },
    // grade I, still open 3 minutes after opening at `now`: not yet due for either rate
    { grade: "I", openedAt: min(997), acknowledgedAt: null, resolvedAt: null },
    // grade II, never acknowledged, 20 minutes old at `now`: late for response, not due for fix
    { grade: "II", openedAt: min(980), acknowledgedAt: null, resolvedAt: null },
    // outside the period
    { grade: "III", openedAt: min(-10), acknowledgedAt: min(-5), resolvedAt: min(-1) },
  ];
  const stats = gradeStats(incidents, min(0), min(1000), min(1000));
  const [one, two, three, four] = stats;
  assert.deepEqual(one, {
    grade: "I",
    incidents: 3,
    mttaMinutes: 7,
    mttrMinutes: 120,
    respondOnTime: 0.5,
    fixOnTime: 0.5,
  });
  assert.deepEqual(two, {
    grade: "II",
    incidents: 1,
    mttaMinutes: null,
    mttrMinutes: null,
    respondOnTime: 0,
    fixOnTime: null,
  });
  assert.equal(three?.incidents, 0);
  assert.equal(four?.respondOnTime, null);
});
