import assert from "node:assert/strict";
import type { LookupAddress } from "node:dns";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { startDnsResponder } from "./dns-responder";
import { createLookup } from "./lookup";
import { closeAll, listen, trackSockets } from "./testing";

let responder: Awaited<ReturnType<typeof startDnsResponder>>;
let dir = "";
let lookup: ReturnType<typeof createLookup>;

before(async () => {
  responder = await startDnsResponder();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tianshu-lookup-"));
  const hostsPath = path.join(dir, "hosts");
  fs.writeFileSync(hostsPath, "# test hosts\n10.9.8.7  hosts-only.test  alias.hosts # comment\n10.1.1.1 UP.test\n");
  lookup = createLookup({ servers: [responder.server], hostsPath, timeoutMs: 300 });
});
after(() => {
  responder.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function resolve(name: string, options: { family?: number; all?: boolean } = {}): Promise<unknown> {
  return new Promise((done, fail) =>
    lookup(name, options, (err, address, family) =>
      err ? fail(err) : done(options.all ? address : { address, family }),
    ),
  );
}

describe("probe lookup: hosts file, then DNS through c-ares", () => {
  test("the hosts file answers first (case-insensitively) and overrides DNS", async () => {
    assert.deepEqual(await resolve("hosts-only.test"), { address: "10.9.8.7", family: 4 });
    assert.deepEqual(await resolve("ALIAS.hosts"), { address: "10.9.8.7", family: 4 });
    const queries = responder.queries();
    assert.deepEqual(await resolve("up.test"), { address: "10.1.1.1", family: 4 });
    assert.equal(responder.queries(), queries, "no DNS query for a name in the hosts file");
  });

  test("other names come from the DNS server, both families, filtered on request", async () => {
    const all = (await resolve("both.test", { all: true })) as LookupAddress[];
    assert.deepEqual(all, [
      { address: "127.0.0.1", family: 4 },
      { address: "::1", family: 6 },
    ]);
    assert.deepEqual(await resolve("both.test", { family: 6 }), { address: "::1", family: 6 });
    assert.deepEqual(await resolve("localhost"), { address: "127.0.0.1", family: 4 });
  });

  test("unknown names fail ENOTFOUND; a silent server fails ETIMEDOUT", async () => {
    await assert.rejects(resolve("nope.test"), { code: "ENOTFOUND" });
    await assert.rejects(resolve("empty.test"), { code: "ENOTFOUND" });
    await assert.rejects(resolve("silent.test"), { code: "ETIMEDOUT" });
  });

  test("hanging lookups leave libuv's thread pool free: file reads still finish at once", async () => {
    // Each lookup of the silent name waits 2 × 1.5 s; on the thread pool they would hold it as long.
    const slow = createLookup({ servers: [responder.server], hostsPath: path.join(dir, "hosts"), timeoutMs: 1500 });
    const pending = Array.from(
      { length: 12 },
      () => new Promise<void>((done) => slow("silent.test", {}, () => done())),
    );
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 8 }, () => fs.promises.readFile(import.meta.filename)));
    assert.ok(Date.now() - t0 < 1000, `file reads took ${Date.now() - t0} ms`);
    await Promise.all(pending);
  });

  test("node:http connects through it (a name only the DNS server knows)", async () => {
    const server = http.createServer((_req, res) => res.end("reached"));
    const sockets = trackSockets(server);
    const port = await listen(server);
    try {
      const body = await new Promise<string>((done, fail) => {
        http
          .get({ host: "both.test", port, path: "/", lookup, family: 4 }, (res) => {
            let text = "";
            res.on("data", (c: Buffer) => (text += c.toString()));
            res.on("end", () => done(text));
          })
          .on("error", fail);
      });
      assert.equal(body, "reached");
    } finally {
      await closeAll(server, sockets);
    }
  });
});
