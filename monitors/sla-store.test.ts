import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { computeSla, type Transition } from "./sla";
import { appTimeline, dailyOf, intersectIntervals, lastDays, overlayState, poolGroup, type AppSla } from "./sla-store";

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2026, 10, 2, 0, 0, 0);
const rel = (ts: Transition[]) => ts.map((t) => [t.at - T0, t.state]);

describe("sla-store: pure parts", () => {
  test("overlayState masks intervals and restores the state in force after each", () => {
    const ts: Transition[] = [
      { at: T0, state: "up" },
      { at: T0 + 30 * MIN, state: "down" },
      { at: T0 + 90 * MIN, state: "up" },
    ];
    const out = overlayState(ts, [{ start: T0 + 20 * MIN, end: T0 + 60 * MIN }], "up", T0, T0 + 3 * HOUR);
    assert.deepEqual(rel(out), [
      [0, "up"],
      [20 * MIN, "up"],
      [60 * MIN, "down"],
      [90 * MIN, "up"],
    ]);
    assert.deepEqual(overlayState(ts, [], "up", T0, T0 + HOUR), ts);
    // An interval after the last transition.
    assert.deepEqual(rel(overlayState(ts, [{ start: T0 + 2 * HOUR, end: T0 + 3 * HOUR }], "down", T0, T0 + 4 * HOUR)), [
      [0, "up"],
      [30 * MIN, "down"],
      [90 * MIN, "up"],
      [2 * HOUR, "down"],
      [3 * HOUR, "up"],
    ]);
  });

  test("intersectIntervals keeps what every list covers", () => {
    const a = [
      { start: 0, end: 10 },
      { start: 20, end: 30 },
    ];
    const b = [{ start: 5, end: 25 }];
    assert.deepEqual(intersectIntervals([a, b], 0, 100), [
      { start: 5, end: 10 },
      { start: 20, end: 25 },
    ]);
    assert.deepEqual(intersectIntervals([a, []], 0, 100), []);
    assert.deepEqual(intersectIntervals([], 0, 100), []);
  });

  test("appTimeline: rule all is down when one is; any only when all are; maintenance of one monitor is neutral", () => {
    const w = { start: T0, end: T0 + 4 * HOUR };
    const a: Transition[] = [
      { at: T0, state: "up" },
      { at: T0 + HOUR, state: "down" },
      { at: T0 + 2 * HOUR, state: "up" },
    ];
    const b: Transition[] = [
      { at: T0, state: "up" },
      { at: T0 + 90 * MIN, state: "down" },
      { at: T0 + 150 * MIN, state: "up" },
    ];
    const all = appTimeline(
      [
        { transitions: a, maintenance: [] },
        { transitions: b, maintenance: [] },
      ],
      "all",
      w.start,
      w.end,
    );
    assert.equal(computeSla(all.transitions, w, all.maintenance).downMinutes, 90);
    assert.equal(computeSla(all.transitions, w, all.maintenance).outages.length, 1);
    const any = appTimeline(
      [
        { transitions: a, maintenance: [] },
        { transitions: b, maintenance: [] },
      ],
      "any",
      w.start,
      w.end,
    );
    assert.equal(computeSla(any.transitions, w, any.maintenance).downMinutes, 30);
    // Monitor a in maintenance during its outage: under "all" only b's outage counts; nothing is excluded.
    const masked = appTimeline(
      [
        { transitions: a, maintenance: [{ start: T0 + HOUR, end: T0 + 2 * HOUR }] },
        { transitions: b, maintenance: [] },
      ],
      "all",
      w.start,
      w.end,
    );
    const r = computeSla(masked.transitions, w, masked.maintenance);
    assert.equal(r.downMinutes, 60);
    assert.equal(r.maintenanceMinutes, 0);
    // Both in maintenance over the same hour: the app is.
    const both = appTimeline(
      [
        { transitions: a, maintenance: [{ start: T0 + HOUR, end: T0 + 2 * HOUR }] },
        { transitions: b, maintenance: [{ start: T0 + 30 * MIN, end: T0 + 3 * HOUR }] },
      ],
      "any",
      w.start,
      w.end,
    );
    const rb = computeSla(both.transitions, w, both.maintenance);
    assert.equal(rb.maintenanceMinutes, 60);
    assert.equal(rb.downMinutes, 0, "any: a masked monitor cannot make the app down alone");
    assert.deepEqual(appTimeline([], "all", w.start, w.end), { transitions: [], maintenance: [] });
  });

  test("poolGroup weighs apps by eligible minutes", () => {
    const w = { start: T0, end: T0 + 10 * HOUR };
    const app = (id: string, target: number, ts: Transition[]): AppSla => ({
      app: { id, name: id, kind: "app", groupName: "g", combineRule: "all", slaTarget: target },
      monitorIds: [],
      report: computeSla(ts, w, [], target),
    });
    // x: watched 10 h, 1 h down. y: watched 1 h (the rest unknown), all up.
    const x = app("x", 0.99, [
      { at: T0, state: "up" },
      { at: T0 + HOUR, state: "down" },
      { at: T0 + 2 * HOUR, state: "up" },
    ]);
    const y = app("y", 0.999, [
      { at: T0, state: "up" },
      { at: T0 + HOUR, state: "unknown" },
    ]);
    const g = poolGroup("g", [x, y]);
    assert.equal(g.availability, (540 + 60) / (600 + 60));
    assert.equal(g.target, 0.999);
    assert.equal(g.outages, 1);
    assert.equal(g.downMinutes, 60);
    assert.equal(g.unknownMinutes, 540);
  });

  test("lastDays and dailyOf: wall days in the zone, today so far, one outage split over two days", () => {
    // 2026-11-03 12:00 Shanghai.
    const now = Date.UTC(2026, 10, 3, 4, 0, 0);
    const days = lastDays(3, now, "Asia/Shanghai");
    assert.deepEqual(
      days.map((d) => d.date),
      ["2026-11-01", "2026-11-02", "2026-11-03"],
    );
    assert.equal(days[0]?.start, Date.UTC(2026, 9, 31, 16, 0, 0));
    assert.equal(days[2]?.end, now);
    const mid = Date.UTC(2026, 10, 2, 16, 0, 0); // midnight of 3 November in Shanghai
    const ts: Transition[] = [
      { at: days[0]!.start - HOUR, state: "up" },
      { at: mid - 30 * MIN, state: "down" },
      { at: mid + 30 * MIN, state: "up" },
    ];
    const points = dailyOf(ts, [{ start: mid + 10 * MIN, end: mid + 20 * MIN }], days, 0.999);
    assert.deepEqual(
      points.map((p) => [p.date, p.downMinutes, p.maintenanceMinutes, p.outages]),
      [
        ["2026-11-01", 0, 0, 0],
        ["2026-11-02", 30, 0, 1],
        ["2026-11-03", 20, 10, 1],
      ],
    );
    assert.equal(points[0]?.availability, 1);
    assert.equal(points[2]?.eligibleMinutes, 12 * 60 - 10);
  });
});
