import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_BURN_WINDOWS, parseRuleParams, selects } from "./rules";

const m = {
  id: "11111111-1111-4111-8111-111111111111",
  tags: ["prod", "web"],
  appId: "22222222-2222-4222-8222-222222222222",
};

test("a selector picks by id, tag or app (any); an empty one picks every monitor", () => {
  assert.equal(selects({}, m), true);
  assert.equal(selects({ monitorIds: [m.id] }, m), true);
  assert.equal(selects({ monitorIds: ["33333333-3333-4333-8333-333333333333"] }, m), false);
  assert.equal(selects({ tags: ["db"] }, m), false);
  assert.equal(selects({ tags: ["db", "web"] }, m), true);
  assert.equal(selects({ appIds: [m.appId] }, m), true);
  assert.equal(selects({ appIds: [m.appId] }, { ...m, appId: null }), false);
  assert.equal(selects({ tags: ["db"], appIds: [m.appId] }, m), true);
});

test("stored parameters get their defaults; a document that no longer validates is null", () => {
  const burn = parseRuleParams("burn_rate", {});
  assert.equal(burn?.category, "burn_rate");
  assert.deepEqual(burn?.category === "burn_rate" ? burn.params.windows : null, DEFAULT_BURN_WINDOWS);
  assert.deepEqual(DEFAULT_BURN_WINDOWS, [
    { burnRate: 14.4, longMinutes: 60, shortMinutes: 5 },
    { burnRate: 6, longMinutes: 360, shortMinutes: 30 },
    { burnRate: 1, longMinutes: 4320, shortMinutes: 360 },
  ]);
  const state = parseRuleParams("monitor_state", {});
  assert.deepEqual(state?.params, { selector: {}, forChecks: 1, forMinutes: 0 });
  assert.equal(parseRuleParams("latency", { percentile: 95 }), null, "thresholdMs is required");
  assert.equal(parseRuleParams("signal", { signal: "bad name", threshold: 1, windowMinutes: 5 }), null);
  assert.equal(parseRuleParams("monitor_state", { forChecks: 101 }), null);
  assert.equal(parseRuleParams("monitor_state", { extra: 1 }), null, "strict");
  assert.equal(
    parseRuleParams("burn_rate", { windows: [{ burnRate: 2, longMinutes: 5, shortMinutes: 60 }] }),
    null,
    "the short window must be shorter",
  );
});
