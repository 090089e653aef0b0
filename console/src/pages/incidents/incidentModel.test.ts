import assert from "node:assert/strict";
import { test } from "node:test";
import {
  actionsFromText,
  deadlineView,
  formatDuration,
  formatMinutes,
  formatRate,
  transitionsFrom,
} from "./incidentModel";

test("the drawer offers exactly the moves the lifecycle allows", () => {
  assert.deepEqual(transitionsFrom("open"), ["acknowledge", "mitigate", "resolve"]);
  assert.deepEqual(transitionsFrom("acknowledged"), ["mitigate", "resolve"]);
  assert.deepEqual(transitionsFrom("mitigated"), ["resolve"]);
  // From resolved, acknowledged is the reopen (a recurrence), and closing needs the review.
  assert.deepEqual(transitionsFrom("resolved"), ["reopen", "close"]);
  assert.deepEqual(transitionsFrom("closed"), []);
});

test("a deadline runs, is met on the minute, is overdue after it, or was missed", () => {
  const deadline = 1_000_000;
  assert.deepEqual(deadlineView(deadline, null, deadline - 5_000), { kind: "running", leftMs: 5_000 });
  assert.deepEqual(deadlineView(deadline, null, deadline), { kind: "running", leftMs: 0 });
  assert.deepEqual(deadlineView(deadline, null, deadline + 1), { kind: "overdue", lateMs: 1 });
  assert.deepEqual(deadlineView(deadline, deadline, deadline + 99_999), { kind: "met" });
  assert.deepEqual(deadlineView(deadline, deadline + 60_000, deadline + 99_999), { kind: "missed", lateMs: 60_000 });
});

test("countdowns read as mm:ss, hh:mm:ss, then days", () => {
  assert.equal(formatDuration(0), "00:00");
  assert.equal(formatDuration(65_432), "01:05");
  assert.equal(formatDuration(2 * 3600_000 + 3 * 60_000 + 4_000), "02:03:04");
  assert.equal(formatDuration(26 * 3600_000), "1d 02:00:00");
  assert.equal(formatDuration(-5), "00:00");
});

test("statistics: minutes scale to hours and days, rates to percent, none to a dash", () => {
  assert.equal(formatMinutes(4.54), "4.5 min");
  assert.equal(formatMinutes(150), "2.5 h");
  assert.equal(formatMinutes(36 * 60), "1.5 d");
  assert.equal(formatMinutes(null), "—");
  assert.equal(formatRate(0.9876), "98.8%");
  assert.equal(formatRate(1), "100%");
  assert.equal(formatRate(null), "—");
});

test("review actions: one per line, blanks dropped", () => {
  assert.deepEqual(actionsFromText(" 加监控 \n\n  扩容\n"), ["加监控", "扩容"]);
  assert.deepEqual(actionsFromText(undefined), []);
});
