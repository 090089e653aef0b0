import assert from "node:assert/strict";
import { test } from "node:test";
import {
  canMoveAlert,
  fingerprint,
  groupByRootCause,
  isSilenced,
  report,
  rootCause,
  type Silence,
  silenceProblems,
} from "./alerts";
import { BUCKETS, SlidingWindowCounter } from "./signals";

test("one alert per rule and label set, whatever the label order; recurrence after resolution opens a new one", () => {
  const a = fingerprint("r1", { app: "审批", city: "杭州" });
  assert.equal(a, fingerprint("r1", { city: "杭州", app: "审批" }));
  assert.notEqual(a, fingerprint("r2", { app: "审批", city: "杭州" }));
  assert.notEqual(fingerprint("r", { a: "b&c=d" }), fingerprint("r", { a: "b", c: "d" }), "no injection by values");
  const first = report(null, a, 1000);
  assert.equal(first.opened, true);
  const again = report(first.alert, a, 2000);
  assert.equal(again.opened, false);
  assert.deepEqual(again.alert, { fingerprint: a, state: "firing", firstSeen: 1000, lastSeen: 2000, count: 2 });
  const acked = report({ ...again.alert, state: "acknowledged" }, a, 3000);
  assert.equal(acked.opened, false, "acknowledged alerts still absorb reports");
  const recurred = report({ ...acked.alert, state: "resolved" }, a, 9000);
  assert.equal(recurred.opened, true);
  assert.equal(recurred.alert.count, 1);
});

test("alert lifecycle: firing → acknowledged → resolved, never back", () => {
  assert.ok(canMoveAlert("firing", "acknowledged"));
  assert.ok(canMoveAlert("firing", "resolved"));
  assert.ok(canMoveAlert("acknowledged", "resolved"));
  assert.ok(!canMoveAlert("resolved", "firing"));
  assert.ok(!canMoveAlert("acknowledged", "firing"));
});

test("silences: active window, all matchers, regex and negation; a silence of everything is refused", () => {
  const labels = { app: "审批", env: "prod", monitor: "approval-api" };
  const s: Silence = {
    matchers: [
      { label: "app", value: "审批" },
      { label: "monitor", value: "approval-.*", regex: true },
      { label: "env", value: "test", negate: true },
    ],
    startsAt: 100,
    endsAt: 200,
  };
  assert.ok(isSilenced(labels, [s], 150));
  assert.ok(!isSilenced(labels, [s], 200), "the end is exclusive");
  assert.ok(!isSilenced(labels, [s], 99));
  assert.ok(!isSilenced({ ...labels, env: "test" }, [s], 150));
  assert.ok(!isSilenced({ ...labels, monitor: "x-approval-api" }, [s], 150), "regex matches the whole value");
  assert.deepEqual(silenceProblems(s), []);
  assert.deepEqual(silenceProblems({ ...s, matchers: [{ label: "env", value: "x", negate: true }] }), [
    "at least one matcher must select (not negate)",
  ]);
  assert.ok(silenceProblems({ ...s, matchers: [{ label: "a", value: "(", regex: true }] }).length === 1);
  assert.ok(silenceProblems({ ...s, endsAt: 100 }).includes("endsAt must be after startsAt"));
});

test("root cause: the identity service down groups every app that depends on it, through intermediaries", () => {
  const dependsOn = new Map([
    ["approval", ["gateway", "identity"]],
    ["mail", ["identity"]],
    ["gateway", ["identity"]],
    ["identity", ["database"]],
    ["cycle-a", ["cycle-b"]],
    ["cycle-b", ["cycle-a"]],
  ]);
  const down = new Set(["approval", "mail", "gateway", "identity"]);
  assert.equal(rootCause("approval", down, dependsOn), "identity");
  assert.equal(rootCause("identity", down, dependsOn), "identity", "its own dependency is up");
  assert.deepEqual([...groupByRootCause(down, dependsOn)], [["identity", ["approval", "gateway", "identity", "mail"]]]);
  assert.equal(rootCause("approval", new Set(["approval"]), dependsOn), "approval", "nothing it needs is down");
  const cyclic = new Set(["cycle-a", "cycle-b"]);
  assert.ok(["cycle-a", "cycle-b"].includes(rootCause("cycle-a", cyclic, dependsOn)), "a cycle ends");
});

test("sliding window by key: fires once when over the threshold, resolves once the window drains", () => {
  const windowMs = 60 * 60_000; // "more than 3 requests in an hour"
  const rule = new SlidingWindowCounter({ threshold: 3, windowMs });
  const t0 = 16_666_666 * 60_000; // on a minute, so buckets (a minute wide here) start with the signals
  assert.equal(rule.add("applicant-1", t0), null);
  assert.equal(rule.add("applicant-2", t0), null, "keys count apart");
  assert.equal(rule.add("applicant-1", t0 + 60_000), null);
  assert.equal(rule.add("applicant-1", t0 + 120_000), null, "3 is not more than 3");
  assert.deepEqual(rule.add("applicant-1", t0 + 180_000), { key: "applicant-1", count: 4, state: "firing" });
  assert.equal(rule.add("applicant-1", t0 + 240_000), null, "reported once");
  assert.equal(rule.count("applicant-1", t0 + 240_000).count, 5);
  // An hour after the first: it has left the window, the four after it are in.
  assert.equal(windowMs / BUCKETS, 60_000);
  assert.equal(rule.count("applicant-1", t0 + windowMs - 1).count, 5);
  assert.equal(rule.count("applicant-1", t0 + windowMs).count, 4);
  const later = rule.count("applicant-1", t0 + 240_000 + windowMs);
  assert.deepEqual(later, { count: 0, crossing: { key: "applicant-1", count: 0, state: "resolved" } });
  assert.equal(rule.add("applicant-1", t0 - windowMs * 2), null, "a signal older than the window is ignored");
});

test("sliding window: memory is bounded by maxKeys, the key idle longest goes first", () => {
  const rule = new SlidingWindowCounter({ threshold: 1, windowMs: 60_000, maxKeys: 3 });
  const t = 1_000_000_000_000;
  rule.add("a", t);
  rule.add("b", t);
  rule.add("c", t);
  rule.add("a", t + 1); // a is now the most recent
  rule.add("d", t + 2); // b is dropped
  assert.equal(rule.size, 3);
  assert.equal(rule.count("b", t + 3).count, 0);
  assert.equal(rule.count("a", t + 3).count, 2);
  assert.throws(() => new SlidingWindowCounter({ threshold: 0, windowMs: 60_000 }), RangeError);
});
