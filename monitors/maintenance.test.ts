import assert from "node:assert/strict";
import { test } from "node:test";
import { expandMaintenance, type MaintenanceWindow, maintenanceProblems } from "./maintenance";
import { computeSla } from "./sla";
import { zonedWallTime } from "./windows";

const at = (iso: string) => Date.parse(iso);
const shanghai = (y: number, m: number, d: number, hh: number, mm = 0) =>
  zonedWallTime({ year: y, month: m, day: d }, hh * 60 + mm, "Asia/Shanghai");

test("a one-off window is clipped to the range", () => {
  const w: MaintenanceWindow = { kind: "once", start: at("2026-11-01T00:00:00Z"), end: at("2026-11-01T02:00:00Z") };
  assert.deepEqual(expandMaintenance([w], at("2026-11-01T01:00:00Z"), at("2026-11-02T00:00:00Z")), [
    { start: at("2026-11-01T01:00:00Z"), end: at("2026-11-01T02:00:00Z") },
  ]);
  assert.deepEqual(expandMaintenance([w], at("2026-11-03T00:00:00Z"), at("2026-11-04T00:00:00Z")), []);
});

test("weekly on Saturday 22:00 Beijing time for 3 hours: November 2026, with October 31st's running into it", () => {
  const w: MaintenanceWindow = {
    kind: "recurring",
    frequency: "weekly",
    weekdays: [6],
    startTime: "22:00",
    durationMinutes: 180,
    timeZone: "Asia/Shanghai",
  };
  const from = shanghai(2026, 11, 1, 0);
  const to = shanghai(2026, 12, 1, 0);
  const got = expandMaintenance([w], from, to);
  // Saturday 31 October's occurrence runs until 01:00 on the 1st; then the Saturdays 7, 14, 21, 28.
  assert.deepEqual(got[0], { start: from, end: shanghai(2026, 11, 1, 1) });
  assert.deepEqual(
    got.slice(1).map((i) => i.start),
    [7, 14, 21, 28].map((d) => shanghai(2026, 11, d, 22)),
  );
  assert.ok(got.slice(1).every((i) => i.end - i.start === 3 * 3_600_000));
  // An occurrence that began before the range counts from the range's start.
  const fromSunday1am = shanghai(2026, 11, 8, 0, 30);
  assert.deepEqual(expandMaintenance([w], fromSunday1am, shanghai(2026, 11, 9, 0))[0], {
    start: fromSunday1am,
    end: shanghai(2026, 11, 8, 1),
  });
});

test("monthly on the 31st skips the months without one; from/until bound the series", () => {
  const w: MaintenanceWindow = {
    kind: "recurring",
    frequency: "monthly",
    monthDays: [31],
    startTime: "02:00",
    durationMinutes: 60,
    from: shanghai(2026, 1, 1, 0),
    until: shanghai(2026, 6, 1, 0),
  };
  const got = expandMaintenance([w], shanghai(2026, 1, 1, 0), shanghai(2027, 1, 1, 0));
  assert.deepEqual(
    got.map((i) => new Date(i.start + 8 * 3_600_000).toISOString().slice(0, 10)),
    ["2026-01-31", "2026-03-31", "2026-05-31"],
  );
});

test("daily in a zone with daylight saving: the wall time holds across the change", () => {
  const w: MaintenanceWindow = {
    kind: "recurring",
    frequency: "daily",
    startTime: "03:30",
    durationMinutes: 30,
    timeZone: "America/New_York",
  };
  const got = expandMaintenance([w], at("2026-10-31T00:00:00Z"), at("2026-11-03T00:00:00Z"));
  // EDT (UTC−4) until 1 November 02:00, then EST (UTC−5).
  assert.deepEqual(
    got.map((i) => new Date(i.start).toISOString()),
    ["2026-10-31T07:30:00.000Z", "2026-11-01T08:30:00.000Z", "2026-11-02T08:30:00.000Z"],
  );
});

test("maintenance leaves the SLA's denominator: an outage inside it costs nothing", () => {
  const from = shanghai(2026, 11, 7, 0);
  const to = shanghai(2026, 11, 8, 0);
  const w: MaintenanceWindow = {
    kind: "recurring",
    frequency: "weekly",
    weekdays: [6],
    startTime: "22:00",
    durationMinutes: 120,
  };
  const maintenance = expandMaintenance([w], from, to);
  const timeline = [
    { at: from, state: "up" as const },
    { at: shanghai(2026, 11, 7, 22, 30), state: "down" as const },
    { at: shanghai(2026, 11, 7, 23, 30), state: "up" as const },
  ];
  const sla = computeSla(timeline, { start: from, end: to }, maintenance);
  assert.equal(sla.maintenanceMinutes, 120);
  assert.equal(sla.availability, 1);
});

test("bad windows are refused with a reason in both languages", () => {
  const base = {
    kind: "recurring",
    frequency: "weekly",
    weekdays: [1],
    startTime: "22:00",
    durationMinutes: 60,
  } as const;
  assert.deepEqual(maintenanceProblems(base), []);
  assert.equal(maintenanceProblems({ ...base, startTime: "24:00" }).length, 1);
  assert.equal(maintenanceProblems({ ...base, weekdays: [0] }).length, 1);
  assert.equal(maintenanceProblems({ ...base, weekdays: [] }).length, 1);
  assert.equal(maintenanceProblems({ ...base, durationMinutes: 0 }).length, 1);
  assert.ok(maintenanceProblems({ ...base, timeZone: "Mars/Olympus" })[0]?.zh.includes("未知时区"));
  assert.equal(maintenanceProblems({ kind: "once", start: 2, end: 1 }).length, 1);
  assert.deepEqual(
    expandMaintenance([{ ...base, weekdays: [9] }], 0, 7 * 86_400_000),
    [],
    "a bad window expands to nothing",
  );
});

test("wall times that daylight saving skips or repeats resolve as windows.ts says", () => {
  const ny = (m: number, d: number, hh: number, mm: number) =>
    new Date(zonedWallTime({ year: 2026, month: m, day: d }, hh * 60 + mm, "America/New_York")).toISOString();
  assert.equal(ny(3, 8, 2, 30), "2026-03-08T06:30:00.000Z", "02:30 does not exist on 8 March: an hour early");
  assert.equal(ny(11, 1, 1, 30), "2026-11-01T05:30:00.000Z", "01:30 happens twice on 1 November: the first");
});
