import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { retryDelay, SIGNATURE_HEADER, sendWebhook, signWebhook, verifyWebhookSignature } from "./webhook";

const secret = Buffer.from("0123456789abcdef0123456789abcdef");
const received: { signature: string | undefined; body: string }[] = [];
let base = "";
let server: http.Server;

before(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      received.push({ signature: req.headers[SIGNATURE_HEADER] as string | undefined, body });
      if (req.url === "/ok") res.end("thanks");
      else if (req.url === "/gone") res.writeHead(404).end();
      else if (req.url === "/busy") res.writeHead(503).end();
      else if (req.url === "/chatty") res.end("x".repeat(5_000_000));
      // "/hang": never answers
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

test("a delivery is signed with HMAC-SM3 over the timestamp and the exact body; the receiver's check holds", async () => {
  const body = JSON.stringify({ alert: "审批系统不可用", grade: "I" });
  const at = 1_780_000_000_000;
  const d = await sendWebhook(`${base}/ok`, body, secret, { now: () => at });
  assert.deepEqual(
    { ok: d.ok, status: d.status, error: d.error, retryable: d.retryable },
    {
      ok: true,
      status: 200,
      error: null,
      retryable: false,
    },
  );
  const got = received.at(-1);
  assert.equal(got?.body, body);
  assert.equal(got?.signature, signWebhook(secret, at, body));
  assert.ok(verifyWebhookSignature(secret, got?.signature, body, at + 1_000));
  assert.ok(!verifyWebhookSignature(secret, got?.signature, `${body} `, at), "a changed body fails");
  assert.ok(!verifyWebhookSignature(Buffer.from("another secret"), got?.signature, body, at), "another key fails");
  assert.ok(!verifyWebhookSignature(secret, got?.signature, body, at + 6 * 60_000), "a replay later fails");
  assert.ok(!verifyWebhookSignature(secret, "t=1,sm3=zz", body, 1), "malformed headers fail");
  assert.ok(!verifyWebhookSignature(secret, undefined, body, at));
});

test("failures say whether a retry may help, and nothing throws", async () => {
  const gone = await sendWebhook(`${base}/gone`, "{}", secret);
  assert.deepEqual([gone.ok, gone.status, gone.retryable, gone.error], [false, 404, false, "HTTP 404"]);
  const busy = await sendWebhook(`${base}/busy`, "{}", secret);
  assert.deepEqual([busy.ok, busy.status, busy.retryable], [false, 503, true]);
  const started = Date.now();
  const hang = await sendWebhook(`${base}/hang`, "{}", secret, { timeoutMs: 300 });
  assert.deepEqual([hang.ok, hang.status, hang.retryable, hang.error], [false, null, true, "timeout"]);
  assert.ok(Date.now() - started < 3_000, "the timeout holds");
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const port = (closed.address() as AddressInfo).port;
  closed.close();
  const refused = await sendWebhook(`http://127.0.0.1:${port}/`, "{}", secret);
  assert.deepEqual([refused.ok, refused.retryable, refused.error], [false, true, "ECONNREFUSED"]);
  const chatty = await sendWebhook(`${base}/chatty`, "{}", secret);
  assert.equal(chatty.ok, true, "a long answer is read only in part");
});

test("retry delays grow exponentially with full jitter, capped", () => {
  assert.equal(
    retryDelay(1, () => 0.999_999),
    999,
  );
  assert.equal(
    retryDelay(4, () => 0.5),
    4_000,
  );
  assert.equal(
    retryDelay(30, () => 0.999_999),
    599_999,
    "capped at 10 minutes",
  );
  assert.equal(
    retryDelay(3, () => 0),
    0,
  );
});
