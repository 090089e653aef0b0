import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { evaluatePush, newPushToken, pushTokenMatches } from "./push";
import { type ProbeResult, upOrDegraded } from "./result";
import { withRetries } from "./retry";

const T0 = Date.UTC(2026, 0, 1);
const base = { watchingSince: T0, intervalSeconds: 60, graceSeconds: 30 };

describe("push monitors", () => {
  test("a heartbeat within interval + grace is up; silence past it is down 'push-silent'", () => {
    const beat = { at: T0 + 10_000 };
    assert.equal(evaluatePush({ ...base, lastHeartbeat: beat, now: T0 + 10_000 + 90_000 })?.state, "up");
    const silent = evaluatePush({ ...base, lastHeartbeat: beat, now: T0 + 10_000 + 90_001 });
    assert.equal(silent?.state, "down");
    assert.equal(silent?.reason, "push-silent");
    assert.match(silent?.messageZh ?? "", /心跳/);
  });

  test("before the first heartbeat there is no verdict until the first deadline, then down", () => {
    assert.equal(evaluatePush({ ...base, lastHeartbeat: null, now: T0 + 89_000 }), null);
    assert.equal(evaluatePush({ ...base, lastHeartbeat: null, now: T0 + 91_000 })?.reason, "push-silent");
  });

  test("a heartbeat from before a resume does not count; silence is counted from the resume", () => {
    const old = { at: T0 - 3_600_000 };
    assert.equal(evaluatePush({ ...base, lastHeartbeat: old, now: T0 + 60_000 }), null);
    assert.equal(evaluatePush({ ...base, lastHeartbeat: old, now: T0 + 100_000 })?.state, "down");
  });

  test("an app reporting itself down is down with its message", () => {
    const r = evaluatePush({
      ...base,
      lastHeartbeat: { at: T0 + 1000, state: "down", message: "backup failed" },
      now: T0 + 2000,
    });
    assert.equal(r?.reason, "push-reported-down");
    assert.match(r?.message ?? "", /backup failed/);
  });

  test("tokens are long, random and compared exactly", () => {
    const a = newPushToken();
    assert.ok(a.length >= 43);
    assert.notEqual(a, newPushToken());
    assert.ok(pushTokenMatches(a, a));
    assert.ok(!pushTokenMatches(a.slice(0, -1), a));
  });
});

describe("retries and latency verdicts", () => {
  const outcome = (state: ProbeResult["state"], reason: ProbeResult["reason"]): ProbeResult => ({
    state,
    reason,
    latencyMs: 1,
    message: reason,
    messageZh: reason,
  });

  test("down attempts are retried up to `retries` times; up and degraded end at once", async () => {
    const script = [outcome("down", "timeout"), outcome("down", "status"), outcome("degraded", "latency")];
    let calls = 0;
    const r = await withRetries(
      async () => script[calls++] as ProbeResult,
      { retries: 5, retryDelayMs: 1 },
      new AbortController().signal,
    );
    assert.equal(calls, 3);
    assert.equal(r.state, "degraded");
    assert.deepEqual(r.detail, { attempts: 3, earlierReasons: ["timeout", "status"] });
  });

  test("with retries 0 one failure is final; a cancelled cycle stops retrying", async () => {
    let calls = 0;
    const down = async () => (calls++, outcome("down", "timeout"));
    assert.equal(
      (await withRetries(down, { retries: 0, retryDelayMs: 0 }, new AbortController().signal)).detail?.attempts,
      1,
    );
    const controller = new AbortController();
    controller.abort();
    calls = 0;
    await withRetries(down, { retries: 5, retryDelayMs: 1000 }, controller.signal);
    assert.equal(calls, 1);
  });

  test("upOrDegraded: at or under the threshold is up, over it degraded", () => {
    const now = performance.now();
    assert.equal(upOrDegraded(now, 10_000).state, "up");
    assert.equal(upOrDegraded(now - 500, 100).state, "degraded");
    assert.equal(upOrDegraded(now - 500, undefined).state, "up");
  });
});
