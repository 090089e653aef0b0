import assert from "node:assert/strict";
import { test } from "node:test";
import * as server from "../../../../monitors/alerting/rules";
import {
  ALERT_CATEGORIES,
  defaultParams,
  hasSelectingMatcher,
  isValidRegex,
  matcherOf,
  matcherText,
  opOf,
  paramsForCategory,
  SEVERITIES,
  SIGNAL_NAME,
  silenceState,
  summaryValues,
} from "./alertModel";

test("the console's categories, severities and signal names are the server's", () => {
  assert.deepEqual(ALERT_CATEGORIES, server.ALERT_CATEGORIES);
  assert.deepEqual(SEVERITIES, server.ALERT_SEVERITIES);
  assert.equal(SIGNAL_NAME.source, server.SIGNAL_NAME.source);
});

test("a new rule's form starts from exactly the server's defaults, and they validate", () => {
  for (const category of ALERT_CATEGORIES) {
    const params = { ...defaultParams(category), ...(category === "signal" ? { signal: "permit.submitted" } : {}) };
    const parsed = server.PARAMS_BY_CATEGORY[category].safeParse(params);
    assert.ok(parsed.success, `${category}: ${JSON.stringify(parsed.error?.issues)}`);
    // Nothing the form sends differs from what the server would have filled in itself.
    const bare = server.PARAMS_BY_CATEGORY[category].parse(
      category === "signal" ? params : category === "latency" ? { thresholdMs: 1000 } : {},
    );
    assert.deepEqual(parsed.data, bare, category);
  }
});

test("a rule's params carry only its category's fields, selectors without empty lists", () => {
  const values = {
    selector: { monitorIds: [], tags: [" core ", ""], appIds: undefined },
    forChecks: 3,
    forMinutes: 2,
    thresholdMs: 900,
    signal: " x ",
  };
  assert.deepEqual(paramsForCategory("monitor_state", values), {
    selector: { tags: ["core"] },
    forChecks: 3,
    forMinutes: 2,
  });
  assert.deepEqual(paramsForCategory("signal", { ...values, threshold: 5, windowMinutes: 10 }), {
    threshold: 5,
    windowMinutes: 10,
    signal: "x",
  });
  for (const category of ALERT_CATEGORIES) {
    const sent = paramsForCategory(category, { ...defaultParams(category), signal: "a.b" });
    assert.ok(server.PARAMS_BY_CATEGORY[category].safeParse(sent).success, category);
  }
});

test("burn-rate summary shows the target as a percentage and counts the window pairs", () => {
  assert.deepEqual(summaryValues("burn_rate", { target: 0.999 }), { target: "99.9%", windows: 3 });
});

test("matchers: the four operators round-trip and read like PromQL", () => {
  for (const op of ["eq", "ne", "re", "nre"] as const) assert.equal(opOf(matcherOf("app", op, "v")), op);
  assert.equal(matcherText(matcherOf(" monitor_name ", "re", "db-.*")), "monitor_name =~ db-.*");
  assert.equal(matcherText(matcherOf("severity", "ne", "info")), "severity != info");
  assert.equal(hasSelectingMatcher([matcherOf("a", "ne", "1"), matcherOf("b", "nre", "2")]), false);
  assert.equal(hasSelectingMatcher([matcherOf("a", "ne", "1"), matcherOf("b", "re", "2")]), true);
  assert.equal(isValidRegex("db-(a|b)"), true);
  assert.equal(isValidRegex("db-(a"), false);
});

test("a silence is pending before its start, active until its (exclusive) end", () => {
  const s = { startsAt: "2026-01-01T00:00:00Z", endsAt: "2026-01-01T01:00:00Z" };
  assert.equal(silenceState(s, Date.parse("2025-12-31T23:59:59Z")), "pending");
  assert.equal(silenceState(s, Date.parse(s.startsAt)), "active");
  assert.equal(silenceState(s, Date.parse(s.endsAt)), "expired");
  // The server's verdict wins over a browser clock that is behind or ahead.
  assert.equal(silenceState({ ...s, active: true }, Date.parse("2025-12-31T23:00:00Z")), "active");
  assert.equal(silenceState({ ...s, active: false }, Date.parse("2026-01-01T00:30:00Z")), "expired");
});
