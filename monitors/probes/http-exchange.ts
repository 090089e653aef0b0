/**
 * One HTTP request and its answer, over node:http(s) rather than fetch: fetch (undici) does not
 * expose the peer certificate, and a probe needs it for the days-left condition. Each exchange
 * opens its own connection (no agent, no keep-alive) so the certificate is read fresh and nothing
 * lingers between cycles.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
import tls from "node:tls";
import { probeLookup } from "./lookup";

/** The most of a body a probe reads; a longer answer is down "body-too-large" (docs/monitors.md). */
export const MAX_BODY_BYTES = 1024 * 1024;
export const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const DAY_MS = 86_400_000;

export interface TlsFacts {
  authorized: boolean;
  authorizationError?: string;
  subject?: string;
  issuer?: string;
  validTo?: string;
  /** Whole days until the certificate expires (negative once expired). */
  daysLeft?: number;
}

export interface Exchange {
  url: URL;
  status: number;
  headers: IncomingHttpHeaders;
  /** Null when the body was not read: a redirect being followed, or more than MAX_BODY_BYTES. */
  body: Buffer | null;
  tooLarge: boolean;
  tls?: TlsFacts;
}

export interface ExchangeRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string;
  ignoreTls: boolean;
  ca?: string;
  /** When true a redirect answer's body is not read: the probe is about to follow it. */
  skipRedirectBody: boolean;
}

function tlsFacts(socket: Socket): TlsFacts | undefined {
  if (!(socket instanceof tls.TLSSocket)) return undefined;
  const facts: TlsFacts = { authorized: socket.authorized };
  if (socket.authorizationError) facts.authorizationError = String(socket.authorizationError);
  const cert = socket.getPeerCertificate();
  if (cert && cert.valid_to) {
    const validTo = new Date(cert.valid_to).getTime();
    if (!Number.isNaN(validTo)) {
      facts.validTo = new Date(validTo).toISOString();
      facts.daysLeft = Math.floor((validTo - Date.now()) / DAY_MS);
    }
    if (cert.subject?.CN) facts.subject = String(cert.subject.CN);
    if (cert.issuer?.CN) facts.issuer = String(cert.issuer.CN);
  }
  return facts;
}

/**
 * Sends the request and reads at most MAX_BODY_BYTES of the answer. `signal` (the attempt's
 * deadline) covers connect, headers and body: when it fires the socket is destroyed and the
 * promise rejects with the signal's reason.
 */
export function exchange(req: ExchangeRequest, signal: AbortSignal): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    let settled = false;
    let response: IncomingMessage | undefined;
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", onAbort);
      settle();
    };
    const headers: Record<string, string> = { "user-agent": "Tianshu-Monitor/1.0", ...req.headers };
    if (req.body !== undefined) headers["content-length"] = String(Buffer.byteLength(req.body));
    const options: https.RequestOptions = {
      method: req.method,
      headers,
      agent: false,
      lookup: probeLookup,
      rejectUnauthorized: !req.ignoreTls,
      // `ca` replaces the system roots, so an internal CA is added to them rather than instead.
      ...(req.ca ? { ca: [...tls.rootCertificates, req.ca] } : {}),
    };
    const client = req.url.protocol === "https:" ? https : http;
    const request = client.request(req.url, options, (res) => {
      response = res;
      const base = { url: req.url, status: res.statusCode ?? 0, headers: res.headers, tls: tlsFacts(res.socket) };
      const declared = Number(res.headers["content-length"]);
      const redirecting = req.skipRedirectBody && REDIRECT_STATUSES.has(base.status) && !!res.headers.location;
      if (redirecting || declared > MAX_BODY_BYTES) {
        res.destroy();
        request.destroy();
        return finish(() => resolve({ ...base, body: null, tooLarge: !redirecting }));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          res.destroy();
          request.destroy();
          finish(() => resolve({ ...base, body: null, tooLarge: true }));
        } else chunks.push(chunk);
      });
      res.on("end", () => finish(() => resolve({ ...base, body: Buffer.concat(chunks), tooLarge: false })));
      res.on("error", (err) => finish(() => reject(err)));
      res.on("close", () => {
        if (!res.complete) {
          finish(() => reject(Object.assign(new Error("The answer was cut off."), { code: "ECONNRESET" })));
        }
      });
    });
    const onAbort = () => {
      request.destroy();
      response?.destroy();
      finish(() => reject(signal.reason));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    request.on("error", (err) => finish(() => reject(err)));
    request.end(req.body);
  });
}
