import assert from "node:assert/strict";
import { test } from "node:test";
import { budgetShareText, cardLevel, dayLevel, formatPercent, linePath, pooledTrend, yDomain } from "./leadershipModel";

test("card colour: red below target, orange with under a quarter of the budget left, green otherwise, grey without data", () => {
  assert.equal(cardLevel({ availability: 0.9985, target: 0.999, budgetRemainingRatio: -0.5 }), "red");
  assert.equal(cardLevel({ availability: 0.9992, target: 0.999, budgetRemainingRatio: 0.2 }), "orange");
  assert.equal(cardLevel({ availability: 0.9992, target: 0.999, budgetRemainingRatio: 0.25 }), "green");
  assert.equal(cardLevel({ availability: 1, target: 0.999, budgetRemainingRatio: 1 }), "green");
  assert.equal(cardLevel({ availability: null, target: 0.999, budgetRemainingRatio: null }), "grey");
  // Exactly on target is met (the budget is spent, not overspent): orange, not red.
  assert.equal(cardLevel({ availability: 0.999, target: 0.999, budgetRemainingRatio: 0 }), "orange");
});

test("day bar colour against the target: green, orange within ten times the allowed downtime, red, grey", () => {
  assert.equal(dayLevel(1, 0.999), "green");
  assert.equal(dayLevel(0.999, 0.999), "green");
  assert.equal(dayLevel(0.995, 0.999), "orange");
  assert.equal(dayLevel(0.99, 0.999), "orange");
  assert.equal(dayLevel(0.98, 0.999), "red");
  assert.equal(dayLevel(null, 0.999), "grey");
});

test("pooled trend weighs apps by eligible minutes, targets too; a day without data has no availability", () => {
  const trend = pooledTrend([
    {
      app: { id: "a", name: "A" },
      target: 0.999,
      days: [
        { date: "2026-11-02", availability: 0.5, downMinutes: 720, eligibleMinutes: 1440 },
        { date: "2026-11-01", availability: null, downMinutes: 0, eligibleMinutes: 0 },
      ],
    },
    {
      app: { id: "b", name: "B" },
      target: 0.99,
      days: [
        { date: "2026-11-02", availability: 1, downMinutes: 0, eligibleMinutes: 60 },
        { date: "2026-11-01", availability: null, downMinutes: 0, eligibleMinutes: 0 },
      ],
    },
  ]);
  assert.deepEqual(
    trend.map((p) => p.date),
    ["2026-11-01", "2026-11-02"],
    "sorted by date",
  );
  assert.equal(trend[0]?.availability, null);
  assert.equal(trend[0]?.target, trend[1]?.target, "a day without data takes the nearest day's target");
  assert.ok(Math.abs((trend[1]?.availability ?? 0) - (720 + 60) / 1500) < 1e-12, "up over eligible, pooled");
  assert.ok(Math.abs((trend[1]?.target ?? 0) - (0.999 * 1440 + 0.99 * 60) / 1500) < 1e-12);
});

test("percent keeps two decimals without rounding up to the target", () => {
  assert.equal(formatPercent(0.99899), "99.89%");
  assert.equal(formatPercent(1), "100.00%");
  assert.equal(formatPercent(null), "—");
});

test("chart geometry: the y range covers the lowest point and the target; a day without data breaks the line", () => {
  const [low, high] = yDomain([
    { date: "d1", availability: 0.99, target: 0.999 },
    { date: "d2", availability: null, target: 0.999 },
  ]);
  assert.equal(high, 1);
  assert.ok(low < 0.99 && low >= 0.98, `low ${low}`);
  assert.equal(linePath([1, null, 0.5, 0.5], [0, 1], 30, 10), "M0,0M20,5L30,5");
  assert.equal(linePath([], [0, 1], 30, 10), "");
});

test("pooled trend without any data: the mean target, no availability", () => {
  const day = (date: string) => ({ date, availability: null, downMinutes: 0, eligibleMinutes: 0 });
  const trend = pooledTrend([
    { app: { id: "a", name: "A" }, target: 0.999, days: [day("d1"), day("d2")] },
    { app: { id: "b", name: "B" }, target: 0.99, days: [day("d1"), day("d2")] },
  ]);
  assert.deepEqual(
    trend.map((p) => [p.availability, Math.round(p.target * 10000) / 10000]),
    [
      [null, 0.9945],
      [null, 0.9945],
    ],
  );
});

test("budget text: share left as a percentage, overspent when negative", () => {
  assert.equal(budgetShareText(0.256), "26%");
  assert.equal(budgetShareText(null), "—");
  assert.equal(budgetShareText(-199), null, "overspent: the caller says so in words");
});
