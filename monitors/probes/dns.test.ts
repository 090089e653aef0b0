import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { probeDns } from "./dns";
import { startDnsResponder } from "./dns-responder";
import { monitor, never } from "./testing";

let responder: Awaited<ReturnType<typeof startDnsResponder>>;
let server = "";

before(async () => {
  responder = await startDnsResponder();
  server = responder.server;
});
after(() => responder.close());

const probe = (fields: Record<string, unknown>) =>
  probeDns(monitor("dns", { server, timeoutMs: 1000, ...fields }), never);

describe("dns probe against a local responder", () => {
  test("an A record is up with its answers; an expected value must be among them", async () => {
    const r = await probe({ hostname: "up.test" });
    assert.equal(r.state, "up", r.message);
    assert.deepEqual(r.detail?.answers, ["10.1.2.3", "10.1.2.4"]);
    assert.equal((await probe({ hostname: "up.test", expected: "10.1.2.4" })).state, "up");
    const wrong = await probe({ hostname: "up.test", expected: "10.9.9.9" });
    assert.equal(wrong.state, "down");
    assert.equal(wrong.reason, "dns-mismatch");
  });

  test("TXT, MX and CNAME answers, compared without case or trailing dot", async () => {
    assert.equal((await probe({ hostname: "up.test", recordType: "TXT", expected: "v=spf1 -all" })).state, "up");
    const mx = await probe({ hostname: "mail.test", recordType: "MX", expected: "MX1.mail.test." });
    assert.equal(mx.state, "up", mx.message);
    assert.deepEqual(mx.detail?.answers, ["10 mx1.mail.test"]);
    assert.equal((await probe({ hostname: "mail.test", recordType: "MX", expected: "10 mx1.mail.test" })).state, "up");
    assert.equal((await probe({ hostname: "alias.test", recordType: "CNAME", expected: "target.test" })).state, "up");
  });

  test("an unknown name is down 'dns-nxdomain'; a known name without the type is 'dns-no-data'", async () => {
    const nx = await probe({ hostname: "nope.test" });
    assert.equal(nx.state, "down");
    assert.equal(nx.reason, "dns-nxdomain");
    assert.match(nx.messageZh, /不存在/);
    assert.equal((await probe({ hostname: "empty.test" })).reason, "dns-no-data");
  });

  test("a server that does not answer is down 'timeout' within the timeout", async () => {
    const t0 = Date.now();
    const r = await probe({ hostname: "silent.test", timeoutMs: 300 });
    assert.equal(r.state, "down");
    assert.equal(r.reason, "timeout");
    assert.ok(Date.now() - t0 < 300 + 500, `took ${Date.now() - t0} ms`);
  });
});
