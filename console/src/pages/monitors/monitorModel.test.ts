import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  DEFAULT_FORM,
  displayState,
  fromDefinition,
  minutesText,
  parseScalar,
  percent,
  periodRange,
  SECRET_MASK,
  targetOf,
  toDefinition,
} from "./monitorModel";

describe("toDefinition", () => {
  test("an HTTP monitor with every condition", () => {
    const d = toDefinition({
      ...DEFAULT_FORM,
      name: "  门户  ",
      url: "https://portal.example/health",
      method: "POST",
      body: '{"ping":1}',
      headers: [{ name: "Authorization", value: SECRET_MASK }, { name: " " }],
      tags: ["core", " "],
      keywordValue: "ok",
      keywordAbsent: true,
      jsonPath: "status.code",
      jsonPathOp: ">=",
      jsonPathValue: "200",
      tlsExpiryDays: 14,
      degradedAfterMs: 800,
    });
    assert.deepEqual(d, {
      type: "http",
      name: "门户",
      intervalSeconds: 60,
      tags: ["core"],
      timeoutMs: 5000,
      retries: 0,
      retryDelayMs: 1000,
      degradedAfterMs: 800,
      url: "https://portal.example/health",
      method: "POST",
      headers: { Authorization: SECRET_MASK },
      body: '{"ping":1}',
      maxRedirects: 5,
      acceptStatus: ["200-299"],
      keyword: { value: "ok", present: false, caseSensitive: true },
      jsonPath: { path: "status.code", op: ">=", value: 200 },
      tlsExpiryDays: 14,
      ignoreTls: false,
    });
  });

  test("GET sends no body; empty optional fields are left out", () => {
    const d = toDefinition({ ...DEFAULT_FORM, name: "x", url: "http://a", body: "ignored", owner: "", appId: null });
    assert.equal("body" in d, false);
    assert.equal("owner" in d, false);
    assert.equal("appId" in d, false);
    assert.equal("keyword" in d, false);
  });

  test("push has no timeout or retries", () => {
    assert.deepEqual(
      toDefinition({ ...DEFAULT_FORM, type: "push", name: "job", intervalSeconds: 300, graceSeconds: 30 }),
      {
        type: "push",
        name: "job",
        intervalSeconds: 300,
        tags: [],
        graceSeconds: 30,
      },
    );
  });

  test("tcp, dns and postgres carry their own fields only", () => {
    const tcp = toDefinition({ ...DEFAULT_FORM, type: "tcp", name: "t", host: "db", port: 5432, url: "http://x" });
    assert.equal(tcp.host, "db");
    assert.equal(tcp.port, 5432);
    assert.equal("url" in tcp, false);
    const dns = toDefinition({ ...DEFAULT_FORM, type: "dns", name: "d", hostname: "a.example", server: "" });
    assert.equal(dns.recordType, "A");
    assert.equal("server" in dns, false);
    const pg = toDefinition({
      ...DEFAULT_FORM,
      type: "postgres",
      name: "p",
      connectionString: "postgresql://u:******@h/db",
    });
    assert.equal(pg.query, "SELECT 1");
    assert.equal(pg.connectionString, "postgresql://u:******@h/db");
  });
});

describe("fromDefinition", () => {
  test("round-trips an HTTP definition", () => {
    const d = {
      type: "http",
      name: "门户",
      intervalSeconds: 30,
      tags: ["a"],
      timeoutMs: 2000,
      retries: 2,
      retryDelayMs: 500,
      url: "https://p/",
      method: "GET",
      headers: { "X-Token": SECRET_MASK },
      maxRedirects: 0,
      acceptStatus: ["200", "301-302"],
      keyword: { value: "OK", present: true, caseSensitive: false },
      jsonPath: { path: "a[0]", op: "==", value: true },
      ignoreTls: true,
    };
    const form = fromDefinition("http", d);
    assert.equal(form.keywordIgnoreCase, true);
    assert.equal(form.jsonPathValue, "true");
    assert.deepEqual(form.headers, [{ name: "X-Token", value: SECRET_MASK }]);
    assert.deepEqual(toDefinition(form), d);
  });
});

test("parseScalar reads numbers, booleans and null, else keeps the text", () => {
  assert.equal(parseScalar("42"), 42);
  assert.equal(parseScalar("-1.5"), -1.5);
  assert.equal(parseScalar("false"), false);
  assert.equal(parseScalar("null"), null);
  assert.equal(parseScalar("ok"), "ok");
  assert.equal(parseScalar("0x10"), "0x10");
});

test("targetOf and displayState", () => {
  assert.equal(targetOf({ type: "tcp", definition: { host: "db", port: 5432 } }), "db:5432");
  assert.equal(
    targetOf({ type: "dns", definition: { hostname: "a", recordType: "MX", server: "1.1.1.1" } }),
    "MX a @1.1.1.1",
  );
  assert.equal(displayState({ paused: true, status: null }), "paused");
  assert.equal(displayState({ paused: false, status: null }), "unknown");
});

describe("periodRange in Beijing time", () => {
  const now = new Date("2026-08-13T02:30:00Z"); // Thursday 10:30 in Beijing
  test("day, week, month, quarter, year start at Beijing midnights", () => {
    assert.equal(periodRange("day", now).from, "2026-08-12T16:00:00.000Z");
    assert.equal(periodRange("week", now).from, "2026-08-09T16:00:00.000Z"); // Monday 10 August
    assert.equal(periodRange("month", now).from, "2026-07-31T16:00:00.000Z");
    assert.equal(periodRange("quarter", now).from, "2026-06-30T16:00:00.000Z");
    assert.equal(periodRange("year", now).from, "2025-12-31T16:00:00.000Z");
    assert.equal(periodRange("day", now).to, now.toISOString());
  });
  test("a Sunday belongs to the week that began on Monday", () => {
    assert.equal(periodRange("week", new Date("2026-08-16T10:00:00Z")).from, "2026-08-09T16:00:00.000Z");
  });
});

test("percent and minutesText", () => {
  assert.equal(percent(0.99912), "99.912%");
  assert.equal(percent(null), "—");
  assert.equal(minutesText(125, { h: "h", min: "min" }), "2 h 5 min");
  assert.equal(minutesText(-3.25, { h: "h", min: "min" }), "-3.3 min");
});
