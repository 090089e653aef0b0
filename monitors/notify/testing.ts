/**
 * Test helpers for notifications: a real HTTP receiver that checks the signature, a real SMTP server
 * (smtp-server) with authentication, and a small MIME reader for what it receives.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { SIGNATURE_HEADER, verifyWebhookSignature } from "./webhook";

export interface Received {
  body: string;
  json: unknown;
  signed: boolean;
  headers: http.IncomingHttpHeaders;
}

/** An HTTP receiver answering `answers` in turn (the last one repeats). */
export async function receiver(
  secret: string,
  answers: number[] = [200],
): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  let i = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const header = req.headers[SIGNATURE_HEADER];
      received.push({
        body,
        json: JSON.parse(body),
        signed: verifyWebhookSignature(
          Buffer.from(secret, "utf8"),
          typeof header === "string" ? header : undefined,
          body,
          Date.now(),
        ),
        headers: req.headers,
      });
      const status = answers[Math.min(i++, answers.length - 1)] ?? 200;
      res.writeHead(status, { "content-type": "text/plain" }).end(String(status));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A port nothing listens on (bound then released). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Mail {
  from: string;
  to: string[];
  raw: string;
  user: string | null;
}

/** A real SMTP server on 127.0.0.1 that accepts `user`/`password` only (plain, no TLS: loopback). */
export async function smtpServer(
  user: string,
  password: string,
): Promise<{ port: number; mails: Mail[]; authFailures: number; close(): Promise<void> }> {
  const state = { mails: [] as Mail[], authFailures: 0 };
  const server = new SMTPServer({
    authMethods: ["PLAIN", "LOGIN"],
    allowInsecureAuth: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === user && auth.password === password) return cb(null, { user: auth.username });
      state.authFailures++;
      return cb(new Error("Invalid username or password"));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        state.mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString("utf8"),
          user: typeof session.user === "string" ? session.user : null,
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    mails: state.mails,
    get authFailures() {
      return state.authFailures;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const decodeQp = (s: string) =>
  Buffer.from(
    s.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
    "latin1",
  ).toString("utf8");

/** The decoded Subject header and text/plain and text/html parts of a raw message. */
export function readMime(raw: string): { subject: string; text: string; html: string } {
  const headerEnd = raw.indexOf("\r\n\r\n");
  const headers = raw.slice(0, headerEnd).replace(/\r\n[ \t]+/g, " ");
  const subjectRaw = /^Subject: (.*)$/im.exec(headers)?.[1] ?? "";
  const subject = subjectRaw
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(/=\?utf-8\?([BQ])\?([^?]*)\?=/gi, (_m, enc: string, data: string) =>
      enc.toUpperCase() === "B" ? Buffer.from(data, "base64").toString("utf8") : decodeQp(data.replace(/_/g, " ")),
    );
  const parts: Record<string, string> = {};
  for (const part of raw.split(/\r\n--[^\r\n]+/)) {
    const end = part.indexOf("\r\n\r\n");
    if (end < 0) continue;
    const head = part.slice(0, end);
    const body = part.slice(end + 4);
    const type = /content-type:\s*(text\/(?:plain|html))/i.exec(head)?.[1]?.toLowerCase();
    if (!type) continue;
    const enc = /content-transfer-encoding:\s*([\w-]+)/i.exec(head)?.[1]?.toLowerCase();
    parts[type] =
      enc === "base64"
        ? Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8")
        : enc === "quoted-printable"
          ? decodeQp(body)
          : body;
  }
  return { subject, text: parts["text/plain"] ?? "", html: parts["text/html"] ?? "" };
}
