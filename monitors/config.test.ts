import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type MonitorConfigError, parseDnsServer, parseMonitorDefinition } from "./config";

const http = { type: "http", name: "portal", intervalSeconds: 60, url: "https://portal.intra/health" };

function errors(input: unknown): MonitorConfigError[] {
  const r = parseMonitorDefinition(input);
  assert.equal(r.ok, false, "expected the definition to be refused");
  return r.ok ? [] : r.errors;
}
const paths = (input: unknown) => errors(input).map((e) => e.path);

describe("monitor definitions", () => {
  test("a minimal http monitor gets the documented defaults", () => {
    const r = parseMonitorDefinition(http);
    assert.ok(r.ok);
    assert.deepEqual(
      { ...r.monitor },
      {
        ...http,
        method: "GET",
        headers: {},
        maxRedirects: 5,
        acceptStatus: ["200-299"],
        ignoreTls: false,
        timeoutMs: 5000,
        retries: 0,
        retryDelayMs: 1000,
        tags: [],
      },
    );
  });

  test("every type parses with its own fields, and unknown fields are refused", () => {
    const ok = [
      { type: "tcp", name: "db port", intervalSeconds: 30, host: "10.0.0.5", port: 5432 },
      {
        type: "dns",
        name: "dns",
        intervalSeconds: 30,
        hostname: "intra.example",
        recordType: "MX",
        server: "[fd00::53]:5353",
      },
      {
        type: "postgres",
        name: "pg",
        intervalSeconds: 30,
        connectionString: "postgresql://mon:pw@db:5432/app",
        expected: "1",
      },
      { type: "push", name: "nightly backup", intervalSeconds: 86400, graceSeconds: 600 },
    ];
    for (const m of ok) assert.ok(parseMonitorDefinition(m).ok, m.type);
    assert.deepEqual(paths({ ...http, port: 80 }), [""]);
    assert.deepEqual(paths({ ...http, type: "ftp" }), ["type"]);
  });

  test("interval >= 10 s, timeout below the interval, degraded threshold below the timeout", () => {
    assert.deepEqual(paths({ ...http, intervalSeconds: 9 }), ["intervalSeconds"]);
    assert.deepEqual(paths({ ...http, intervalSeconds: 10, timeoutMs: 10_000 }), ["timeoutMs"]);
    assert.deepEqual(paths({ ...http, timeoutMs: 2000, degradedAfterMs: 2000 }), ["degradedAfterMs"]);
    assert.ok(parseMonitorDefinition({ ...http, timeoutMs: 2000, degradedAfterMs: 500 }).ok);
  });

  test("retries 0..10, and their worst case must fit in the interval", () => {
    assert.deepEqual(paths({ ...http, intervalSeconds: 3600, retries: 11 }), ["retries"]);
    const tooLong = errors({ ...http, intervalSeconds: 10, timeoutMs: 5000, retries: 1 });
    assert.equal(tooLong[0]?.path, "retries");
    assert.match(tooLong[0]?.message ?? "", /11000 ms/);
    assert.match(tooLong[0]?.zh ?? "", /重试/);
    assert.ok(
      parseMonitorDefinition({ ...http, intervalSeconds: 10, timeoutMs: 2000, retries: 3, retryDelayMs: 500 }).ok,
    );
  });

  test("URLs: only http(s), no credentials, no control characters; private addresses are allowed", () => {
    assert.ok(parseMonitorDefinition({ ...http, url: "http://10.1.2.3:8080/x" }).ok);
    assert.ok(parseMonitorDefinition({ ...http, url: "http://127.0.0.1/" }).ok);
    for (const url of ["ftp://files.intra/", "file:///etc/passwd", "gopher://x/", "javascript:alert(1)", "not a url"]) {
      assert.deepEqual(paths({ ...http, url }), ["url"], url);
    }
    const creds = errors({ ...http, url: "https://admin:secret@portal.intra/" });
    assert.equal(creds[0]?.path, "url");
    assert.match(creds[0]?.zh ?? "", /用户名或密码/);
    assert.deepEqual(paths({ ...http, url: "http://portal.intra/\r\nX-Injected: 1" }), ["url"]);
  });

  test("headers: CR/LF or bad names are refused, framing headers are the probe's own", () => {
    assert.deepEqual(paths({ ...http, headers: { "X-Ok": "a\r\nX-Evil: 1" } }), ["headers.X-Ok"]);
    assert.deepEqual(paths({ ...http, headers: { "Bad Name": "x" } }), ["headers.Bad Name"]);
    assert.deepEqual(paths({ ...http, headers: { "Transfer-Encoding": "chunked" } }), ["headers.Transfer-Encoding"]);
    assert.ok(
      parseMonitorDefinition({ ...http, headers: { Authorization: "Bearer t", Accept: "application/json" } }).ok,
    );
  });

  test("http conditions are validated: status ranges, JSON path syntax, body rules", () => {
    assert.deepEqual(paths({ ...http, acceptStatus: ["200-299", "2xx"] }), ["acceptStatus.1"]);
    assert.deepEqual(paths({ ...http, acceptStatus: ["299-200"] }), ["acceptStatus.0"]);
    assert.deepEqual(paths({ ...http, jsonPath: { path: "a..b", op: "==", value: 1 } }), ["jsonPath.path"]);
    assert.deepEqual(paths({ ...http, jsonPath: { path: "a", op: "~=", value: 1 } }), ["jsonPath.op"]);
    assert.deepEqual(paths({ ...http, body: "x" }), ["body"]);
    assert.deepEqual(paths({ ...http, method: "HEAD", keyword: { value: "ok" } }), ["method"]);
    assert.deepEqual(paths({ ...http, ca: "not a pem" }), ["ca"]);
  });

  test("tcp, dns and postgres targets are checked", () => {
    const tcp = { type: "tcp", name: "t", intervalSeconds: 30, host: "db.intra", port: 5432 };
    assert.deepEqual(paths({ ...tcp, port: 70000 }), ["port"]);
    assert.deepEqual(paths({ ...tcp, host: "db intra" }), ["host"]);
    const dns = { type: "dns", name: "d", intervalSeconds: 30, hostname: "intra.example" };
    assert.deepEqual(paths({ ...dns, server: "dns.intra" }), ["server"]);
    assert.deepEqual(paths({ ...dns, recordType: "SRV" }), ["recordType"]);
    const pgm = { type: "postgres", name: "p", intervalSeconds: 30 };
    assert.deepEqual(paths({ ...pgm, connectionString: "mysql://db/app" }), ["connectionString"]);
  });

  test("owner and appId are ids; tags are short and few; every error has a Chinese message", () => {
    const all = errors({ ...http, owner: "bob", appId: 7, tags: ["x".repeat(51)] });
    assert.deepEqual(all.map((e) => e.path).sort(), ["appId", "owner", "tags.0"]);
    for (const e of all) assert.match(e.zh, /[\u4e00-\u9fff]/, e.path);
    // A wrong type is not reported as a missing field.
    assert.deepEqual(
      errors({ ...http, headers: null }).map((e) => e.zh),
      ["类型错误，应为 record"],
    );
    assert.deepEqual(
      errors({ ...http, name: undefined }).map((e) => e.zh),
      ["必填字段缺失"],
    );
  });

  test("dns server addresses: IP, IP:port, [IPv6]:port", () => {
    assert.deepEqual(parseDnsServer("10.0.0.53"), { host: "10.0.0.53", port: 53 });
    assert.deepEqual(parseDnsServer("10.0.0.53:5353"), { host: "10.0.0.53", port: 5353 });
    assert.deepEqual(parseDnsServer("[fd00::53]:53"), { host: "fd00::53", port: 53 });
    assert.deepEqual(parseDnsServer("fd00::53"), { host: "fd00::53", port: 53 });
    assert.equal(parseDnsServer("dns.intra:53"), null);
    assert.equal(parseDnsServer("10.0.0.53:0"), null);
  });
});
