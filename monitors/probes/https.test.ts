import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { probeHttp } from "./http";
import { closeAll, listen, monitor, never, trackSockets } from "./testing";

/**
 * A real HTTPS server with a self-signed certificate made by openssl in the test (node has no
 * certificate generator). The certificate is valid for 5 days, so the expiry condition can be
 * tested on both sides of a threshold.
 */
function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const skip = hasOpenssl() ? false : "openssl is not installed: cannot make a test certificate";
let dir = "";
let cert = "";
let server: https.Server | undefined;
let sockets = new Set<import("node:net").Socket>();
let base = "";

before(async () => {
  if (skip) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tianshu-probe-tls-"));
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "5"],
      ...["-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
      ...["-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem")],
    ],
    { stdio: "ignore" },
  );
  cert = fs.readFileSync(path.join(dir, "cert.pem"), "utf8");
  server = https.createServer({ key: fs.readFileSync(path.join(dir, "key.pem")), cert }, (_req, res) => {
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("secure hello");
  });
  sockets = trackSockets(server);
  base = `https://127.0.0.1:${await listen(server)}`;
});

after(async () => {
  if (server) await closeAll(server, sockets);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("https probe", { skip }, () => {
  test("a self-signed certificate is down 'tls-invalid' by default", async () => {
    const r = await probeHttp(monitor("http", { url: `${base}/`, timeoutMs: 2000 }), never);
    assert.equal(r.state, "down");
    assert.equal(r.reason, "tls-invalid");
    assert.match(r.messageZh, /证书/);
  });

  test("ignoreTls accepts it and still reports the days left, unauthorized", async () => {
    const r = await probeHttp(monitor("http", { url: `${base}/`, timeoutMs: 2000, ignoreTls: true }), never);
    assert.equal(r.state, "up", r.message);
    const tls = r.detail?.tls as { authorized: boolean; daysLeft: number; subject: string };
    assert.equal(tls.authorized, false);
    assert.ok(tls.daysLeft === 4 || tls.daysLeft === 5, `days left ${tls.daysLeft}`);
    assert.equal(tls.subject, "localhost");
  });

  test("trusting the certificate as the monitor's CA makes it valid (an internal CA)", async () => {
    const r = await probeHttp(
      monitor("http", { url: `${base}/`, timeoutMs: 2000, ca: cert, keyword: { value: "secure" } }),
      never,
    );
    assert.equal(r.state, "up", r.message);
    assert.equal((r.detail?.tls as { authorized: boolean }).authorized, true);
  });

  test("fewer days left than tlsExpiryDays is down 'tls-expiry'; more is up", async () => {
    const soon = await probeHttp(
      monitor("http", { url: `${base}/`, timeoutMs: 2000, ca: cert, tlsExpiryDays: 14 }),
      never,
    );
    assert.equal(soon.state, "down");
    assert.equal(soon.reason, "tls-expiry");
    assert.match(soon.message, /expires in [45] days/);
    const fine = await probeHttp(
      monitor("http", { url: `${base}/`, timeoutMs: 2000, ca: cert, tlsExpiryDays: 3 }),
      never,
    );
    assert.equal(fine.state, "up");
  });

  test("the certificate is checked against the host name: the same certificate on 127.0.0.2 is invalid", async () => {
    // Same key and certificate, served on another loopback address that is not among its names.
    const other = https.createServer({ key: fs.readFileSync(path.join(dir, "key.pem")), cert }, (_req, res) =>
      res.end("hi"),
    );
    const otherSockets = trackSockets(other);
    const port = await listen(other, "127.0.0.2");
    try {
      const r = await probeHttp(
        monitor("http", { url: `https://127.0.0.2:${port}/`, timeoutMs: 1000, ca: cert }),
        never,
      );
      assert.equal(r.state, "down");
      assert.equal(r.reason, "tls-invalid", r.message);
      assert.match(r.message, /127\.0\.0\.2/);
    } finally {
      await closeAll(other, otherSockets);
    }
  });
});
