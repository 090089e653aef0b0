import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { probeTcp } from "./tcp";
import { closeAll, closedPort, listen, monitor, never, trackSockets } from "./testing";

const server = net.createServer(() => {}); // accepts and says nothing, like many TCP services
const sockets = trackSockets(server);
let port = 0;

before(async () => {
  port = await listen(server);
});
after(() => closeAll(server, sockets));

describe("tcp probe", () => {
  test("a listening port is up", async () => {
    const r = await probeTcp(monitor("tcp", { host: "127.0.0.1", port, timeoutMs: 1000 }), never);
    assert.equal(r.state, "up");
    assert.deepEqual(r.detail, { host: "127.0.0.1", port });
  });

  test("a host name resolves and connects", async () => {
    const r = await probeTcp(monitor("tcp", { host: "localhost", port, timeoutMs: 1000 }), never);
    // localhost may resolve to ::1 first while the server listens on 127.0.0.1 only.
    assert.ok(r.state === "up" || r.reason === "connection-refused", r.message);
  });

  test("a closed port is down 'connection-refused'", async () => {
    const r = await probeTcp(monitor("tcp", { host: "127.0.0.1", port: await closedPort(), timeoutMs: 1000 }), never);
    assert.equal(r.state, "down");
    assert.equal(r.reason, "connection-refused");
  });

  test("an unresolvable host name is down 'host-not-found'", async () => {
    const r = await probeTcp(monitor("tcp", { host: "no-such-host.invalid", port: 80, timeoutMs: 2000 }), never);
    assert.equal(r.state, "down");
    assert.ok(["host-not-found", "timeout"].includes(r.reason), r.reason);
  });

  test("an unroutable address finishes within its timeout", async (t) => {
    const t0 = Date.now();
    const r = await probeTcp(monitor("tcp", { host: "10.255.255.1", port: 9, timeoutMs: 300 }), never);
    assert.ok(Date.now() - t0 < 300 + 500, `took ${Date.now() - t0} ms`);
    // Some sandboxes accept every outbound connection through a proxy; a real network never answers.
    if (r.state === "up") t.diagnostic("this network answers for unroutable addresses; only the bound is tested");
    else assert.ok(["timeout", "unreachable"].includes(r.reason), r.reason);
  });

  test("probes leave nothing hooked on the scheduler's long-lived signal", async () => {
    const cycle = new AbortController();
    const closed = await closedPort();
    await Promise.all([
      probeTcp(monitor("tcp", { host: "127.0.0.1", port, timeoutMs: 1000 }), cycle.signal),
      probeTcp(monitor("tcp", { host: "127.0.0.1", port: closed, timeoutMs: 1000 }), cycle.signal),
      probeTcp(monitor("tcp", { host: "no-such-host.invalid", port: 1, timeoutMs: 1000 }), cycle.signal),
    ]);
    assert.equal(getEventListeners(cycle.signal, "abort").length, 0);
  });
});
