/**
 * Certificates for cert_expiry rules. A probe reports the days left of the certificate it saw, but
 * results keep only state, latency and reason, so the evaluator reads the certificate itself — one
 * TLS handshake per watched HTTPS monitor every few hours — and keeps it in monitor_certificates.
 */
import tls from "node:tls";
import { sql } from "kysely";
import type { DbOrTx } from "../../api/src/db/pool";

export interface CertificateFacts {
  validTo: Date | null;
  subject: string | null;
  error: string | null;
}

/** Re-read a certificate after this long (after an error, sooner). */
export const CERT_REFRESH_MS = 6 * 3600_000;
export const CERT_RETRY_MS = 30 * 60_000;

/**
 * The certificate the server at an https URL presents (not verified: an untrusted certificate still
 * has an expiry date). Never throws; bounded by `timeoutMs`.
 */
export function readCertificate(url: string, timeoutMs = 5_000, ca?: string[]): Promise<CertificateFacts> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve({ validTo: null, subject: null, error: "bad URL" });
  }
  const host = target.hostname.replace(/^\[|\]$/g, "");
  const port = Number(target.port || 443);
  return new Promise((resolve) => {
    let settled = false;
    const done = (facts: CertificateFacts) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(facts);
    };
    const socket = tls.connect({
      host,
      port,
      servername: /^[\d.]+$|:/.test(host) ? undefined : host,
      rejectUnauthorized: false,
      ...(ca ? { ca } : {}),
    });
    const timer = setTimeout(() => done({ validTo: null, subject: null, error: "timeout" }), timeoutMs);
    timer.unref();
    socket.once("secureConnect", () => {
      const cert = socket.getPeerCertificate();
      if (!cert || !cert.valid_to) return done({ validTo: null, subject: null, error: "no certificate" });
      const validTo = new Date(cert.valid_to);
      const cn = cert.subject?.CN;
      done({
        validTo: Number.isNaN(validTo.getTime()) ? null : validTo,
        subject: (Array.isArray(cn) ? cn.join(",") : (cn ?? null))?.slice(0, 500) ?? null,
        error: null,
      });
    });
    socket.once("error", (err: Error) => done({ validTo: null, subject: null, error: err.message.slice(0, 500) }));
  });
}

/** Stores what was read (one row per monitor). */
export async function saveCertificate(db: DbOrTx, monitorId: string, facts: CertificateFacts, at: Date): Promise<void> {
  const values = { valid_to: facts.validTo, subject: facts.subject, error: facts.error, checked_at: at };
  // A failed read keeps the last known expiry: a server that stopped answering still has that certificate.
  await db
    .insertInto("monitor_certificates")
    .values({ monitor_id: monitorId, ...values })
    .onConflict((oc) =>
      oc.column("monitor_id").doUpdateSet({
        valid_to: sql`coalesce(excluded.valid_to, monitor_certificates.valid_to)`,
        subject: sql`coalesce(excluded.subject, monitor_certificates.subject)`,
        error: facts.error,
        checked_at: at,
      }),
    )
    .execute();
}
