import assert from "node:assert/strict";
import { test } from "node:test";
import { fromSchedule, nextOccurrences, scheduleText, toSchedule, wallToIso } from "./maintenanceModel";

test("wall-clock times are read in the window's zone", () => {
  assert.equal(wallToIso("2026-12-01 22:00", "Asia/Shanghai"), "2026-12-01T14:00:00.000Z");
  assert.equal(wallToIso("2026-07-01 22:00", "America/New_York"), "2026-07-02T02:00:00.000Z");
  assert.equal(wallToIso("", "UTC"), undefined);
});

test("a one-off window round-trips through the form", () => {
  const s = toSchedule({ kind: "once", timeZone: "Asia/Shanghai", start: "2026-12-01 22:00", end: "2026-12-02 01:30" });
  assert.deepEqual(s, { kind: "once", start: "2026-12-01T14:00:00.000Z", end: "2026-12-01T17:30:00.000Z" });
  assert.deepEqual(fromSchedule(s), {
    kind: "once",
    timeZone: "Asia/Shanghai",
    start: "2026-12-01 22:00",
    end: "2026-12-02 01:30",
  });
});

test("a weekly window keeps only its weekdays, sorted", () => {
  const s = toSchedule({
    kind: "recurring",
    timeZone: "Asia/Shanghai",
    frequency: "weekly",
    weekdays: [6, 2],
    monthDays: [3],
    startTime: "22:00",
    durationMinutes: 120,
  });
  assert.deepEqual(s, {
    kind: "recurring",
    frequency: "weekly",
    weekdays: [2, 6],
    startTime: "22:00",
    durationMinutes: 120,
    timeZone: "Asia/Shanghai",
  });
  const t = (key: string, v?: Record<string, unknown>) => `${key}${v ? JSON.stringify(v) : ""}`;
  assert.equal(
    scheduleText(s, t, "、"),
    'everyWeek{"time":"22:00","days":"weekdayNames.d2{}、weekdayNames.d6{}"} · forMinutes{"minutes":120}'.replace(
      /\{\}/g,
      "",
    ),
  );
});

test("next occurrences of a weekly window, in Beijing time", () => {
  const s = toSchedule({
    kind: "recurring",
    timeZone: "Asia/Shanghai",
    frequency: "weekly",
    weekdays: [6],
    startTime: "22:00",
    durationMinutes: 60,
  });
  // Thursday 26 November 2026, 17:00 in Beijing.
  const next = nextOccurrences(s, new Date("2026-11-26T09:00:00Z"), 3);
  assert.deepEqual(next, [
    { start: "2026-11-28T14:00:00.000Z", end: "2026-11-28T15:00:00.000Z" },
    { start: "2026-12-05T14:00:00.000Z", end: "2026-12-05T15:00:00.000Z" },
    { start: "2026-12-12T14:00:00.000Z", end: "2026-12-12T15:00:00.000Z" },
  ]);
});

test("monthly on the 31st skips the months without one; an incomplete schedule has none", () => {
  const s = toSchedule({
    kind: "recurring",
    timeZone: "UTC",
    frequency: "monthly",
    monthDays: [31],
    startTime: "00:00",
    durationMinutes: 10,
  });
  const next = nextOccurrences(s, new Date("2026-11-01T00:00:00Z"), 2, 120);
  assert.deepEqual(
    next.map((o) => o.start),
    ["2026-12-31T00:00:00.000Z", "2027-01-31T00:00:00.000Z"],
  );
  assert.equal(s.kind, "recurring");
  if (s.kind === "recurring") assert.deepEqual(nextOccurrences({ ...s, startTime: "25:00" }, new Date()), []);
  assert.deepEqual(nextOccurrences({ kind: "once", start: "", end: "" }, new Date()), []);
});
