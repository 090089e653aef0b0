import assert from "node:assert/strict";
import { test } from "node:test";
import { burnRateAlerts, combineTimelines, computeSla, groupAvailability, type Transition } from "./sla";
import { calendarWindow } from "./windows";

const T0 = Date.UTC(2026, 10, 26); // a day from midnight UTC
const min = (m: number) => T0 + m * 60_000;
const day = { start: T0, end: min(1440) };
const up = (m: number): Transition => ({ at: min(m), state: "up" });
const down = (m: number): Transition => ({ at: min(m), state: "down" });

test("time-weighted: a 30-minute outage in a day", () => {
  const r = computeSla([up(-10), down(600), up(630)], day);
  assert.equal(r.windowMinutes, 1440);
  assert.equal(r.eligibleMinutes, 1440);
  assert.equal(r.downMinutes, 30);
  assert.equal(r.availability, 1410 / 1440);
  assert.deepEqual(r.outages, [{ start: min(600), end: min(630), minutes: 30 }]);
  assert.deepEqual([r.mttrMinutes, r.mtbfMinutes, r.longestOutageMinutes], [30, 1410, 30]);
  assert.ok(Math.abs(r.errorBudgetMinutes - 1.44) < 1e-9);
  assert.ok(Math.abs(r.budgetRemainingMinutes - (1.44 - 30)) < 1e-9);
  assert.ok((r.budgetRemainingRatio as number) < 0, "overspent");
});

test("repeated checks in the same state change nothing; only transitions matter", () => {
  const chatty = [up(-10), up(100), up(200), down(600), down(610), up(630), up(700)];
  assert.deepEqual(computeSla(chatty, day), computeSla([up(-10), down(600), up(630)], day));
});

test("edges: an outage that began before the window is counted from the window's start; one at the end is clipped", () => {
  const r = computeSla([down(-60), up(10), down(1430)], day);
  assert.equal(r.downMinutes, 20);
  assert.deepEqual(
    r.outages.map((o) => [o.start, o.end, o.minutes]),
    [
      [min(0), min(10), 10],
      [min(1430), min(1440), 10],
    ],
  );
  const atEnd = computeSla([up(-1), down(1440)], day);
  assert.equal(atEnd.downMinutes, 0, "a transition at the window's end belongs to the next window");
});

test("maintenance leaves the denominator; an outage overlapping it counts only outside it", () => {
  const r = computeSla([up(-1), down(600), up(660)], day, [{ start: min(630), end: min(720) }]);
  assert.equal(r.maintenanceMinutes, 90);
  assert.equal(r.eligibleMinutes, 1350);
  assert.equal(r.downMinutes, 30);
  assert.deepEqual(
    r.outages.map((o) => o.minutes),
    [30],
  );
  const covered = computeSla([up(-1), down(600), up(660)], day, [{ start: min(590), end: min(670) }]);
  assert.deepEqual([covered.downMinutes, covered.outages.length, covered.availability], [0, 0, 1]);
  const overlapping = computeSla([up(-1)], day, [
    { start: min(100), end: min(200) },
    { start: min(150), end: min(250) },
    { start: min(-50), end: min(10) },
  ]);
  assert.equal(overlapping.maintenanceMinutes, 160, "overlapping windows are merged and clipped");
});

test("missing data: before the first result and in gaps, unknown counts neither way", () => {
  const late = computeSla([up(360)], day);
  assert.deepEqual([late.unknownMinutes, late.eligibleMinutes, late.availability], [360, 1080, 1]);
  const gap = computeSla([up(-1), { at: min(100), state: "unknown" }, down(160), up(170)], day);
  assert.deepEqual([gap.unknownMinutes, gap.downMinutes, gap.eligibleMinutes], [60, 10, 1380]);
  const nothing = computeSla([], day);
  assert.deepEqual([nothing.availability, nothing.budgetRemainingRatio, nothing.mttrMinutes], [null, null, null]);
});

test("degraded is up for availability and reported apart", () => {
  const r = computeSla([up(-1), { at: min(100), state: "degraded" }, up(130)], day);
  assert.deepEqual([r.availability, r.degradedMinutes, r.outages.length], [1, 30, 0]);
});

test("apps: all monitors needed takes the worst state, redundant ones the best; groups pool their minutes", () => {
  const web = [up(-1), down(100), up(130)];
  const api = [up(-1), down(120), up(150)];
  const all = computeSla(combineTimelines([web, api], "all"), day);
  assert.equal(all.downMinutes, 50);
  assert.equal(all.outages.length, 1, "overlapping outages of two monitors are one outage of the app");
  const any = computeSla(combineTimelines([web, api], "any"), day);
  assert.equal(any.downMinutes, 10);
  const halfDay = computeSla([up(720)], day);
  assert.equal(groupAvailability([all, halfDay]), (1390 + 720) / (1440 + 720));
  assert.equal(groupAvailability([]), null);
});

test("burn rate: a fresh outage pages, a slow one over days opens a ticket", () => {
  const now = min(1440);
  // Two minutes down: 33× over the hour, 5.6× over six hours, 0.46× over three days.
  const fresh = burnRateAlerts([up(-4000), down(1438)], now);
  assert.deepEqual(
    fresh.map((a) => [a.severity, a.threshold, a.firing]),
    [
      ["page", 14.4, true],
      ["page", 6, false],
      ["ticket", 1, false],
    ],
  );
  assert.ok(
    Math.abs((fresh[0] as { shortBurnRate: number }).shortBurnRate - 400) < 1e-6,
    "2 of 5 minutes over a 0.1 % budget",
  );
  // Down 10 minutes in every 4 hours for three days: about 4 % down, well over budget on the slow windows only.
  const slow: Transition[] = [up(-5000)];
  for (let m = -4320 + 30; m < 1440; m += 240) slow.push(down(m), up(m + 10));
  const alerts = burnRateAlerts(slow, now);
  assert.deepEqual(
    alerts.map((a) => a.firing),
    [false, false, true],
  );
});

test("calendar windows in Asia/Shanghai, and a short day where daylight saving starts", () => {
  const instant = Date.parse("2026-11-26T00:30:00+08:00"); // a Thursday
  const iso = (w: { start: number; end: number }) => [new Date(w.start).toISOString(), new Date(w.end).toISOString()];
  assert.deepEqual(iso(calendarWindow("day", instant)), ["2026-11-25T16:00:00.000Z", "2026-11-26T16:00:00.000Z"]);
  assert.deepEqual(iso(calendarWindow("week", instant)), ["2026-11-22T16:00:00.000Z", "2026-11-29T16:00:00.000Z"]);
  assert.deepEqual(iso(calendarWindow("month", instant)), ["2026-10-31T16:00:00.000Z", "2026-11-30T16:00:00.000Z"]);
  assert.deepEqual(iso(calendarWindow("quarter", instant)), ["2026-09-30T16:00:00.000Z", "2026-12-31T16:00:00.000Z"]);
  assert.deepEqual(iso(calendarWindow("year", instant)), ["2025-12-31T16:00:00.000Z", "2026-12-31T16:00:00.000Z"]);
  const dst = calendarWindow("day", Date.parse("2026-03-08T12:00:00-04:00"), "America/New_York");
  assert.equal((dst.end - dst.start) / 3_600_000, 23);
});
