import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { closeAll, closedPort, listen, trackSockets } from "../probes/testing";
import { readCertificate } from "./certificates";

/** A real HTTPS server with a 5-day self-signed certificate made by openssl (as probes/https.test.ts). */
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
let server: https.Server | undefined;
let sockets = new Set<net.Socket>();
let port = 0;

before(async () => {
  if (skip) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tianshu-alert-tls-"));
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "5"],
      ...["-subj", "/CN=localhost", "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem")],
    ],
    { stdio: "ignore" },
  );
  server = https.createServer(
    { key: fs.readFileSync(path.join(dir, "key.pem")), cert: fs.readFileSync(path.join(dir, "cert.pem")) },
    (_req, res) => res.end("ok"),
  );
  sockets = trackSockets(server);
  port = await listen(server);
});
after(async () => {
  if (server) await closeAll(server, sockets);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("reading a server's certificate", { skip }, () => {
  test("an untrusted certificate still gives its expiry and subject", async () => {
    const facts = await readCertificate(`https://127.0.0.1:${port}/health`, 2_000);
    assert.equal(facts.error, null);
    assert.equal(facts.subject, "localhost");
    const days = ((facts.validTo?.getTime() ?? 0) - Date.now()) / 86_400_000;
    assert.ok(days > 4.9 && days <= 5.01, `days left ${days}`);
  });
});

test("a closed port and a server that never answers the handshake are errors, bounded in time", async () => {
  const refused = await readCertificate(`https://127.0.0.1:${await closedPort()}/`, 2_000);
  assert.equal(refused.validTo, null);
  assert.match(refused.error ?? "", /ECONNREFUSED/);

  const silent = net.createServer(() => {});
  const silentSockets = trackSockets(silent);
  const silentPort = await listen(silent);
  const started = Date.now();
  const hung = await readCertificate(`https://127.0.0.1:${silentPort}/`, 300);
  assert.equal(hung.error, "timeout");
  assert.ok(Date.now() - started < 2_000);
  await closeAll(silent, silentSockets);

  assert.equal((await readCertificate("not a url")).error, "bad URL");
});
