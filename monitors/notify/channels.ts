/**
 * Sending one message over one channel (docs/monitors.md, "Notifications"). The settings are the
 * ones the API validated when the channel was saved (api/src/notifications/schemas.ts); here they are
 * only read. A send never throws: it reports a Delivery (webhook.ts), whose `retryable` tells the
 * delivery job whether trying again may help.
 */
import nodemailer from "nodemailer";
import { emailBodies, emailSubject, type OutgoingMessage, smsBody, webhookBody } from "./render";
import { type Delivery, sendWebhook } from "./webhook";

export type ChannelType = "webhook" | "sms" | "email" | "console";
export const CHANNEL_TYPES = ["webhook", "sms", "email", "console"] as const;

export interface WebhookSettings {
  url: string;
  secret: string;
}
export interface SmsSettings {
  url: string;
  secret: string;
  phoneNumbers: string[];
}
export interface EmailSettings {
  host: string;
  port: number;
  /** tls: TLS from the first byte (465); starttls: upgrade required (587); none: plain (intranet relays). */
  security: "tls" | "starttls" | "none";
  user?: string | undefined;
  password?: string | undefined;
  from: string;
  to: string[];
  /** Accept a certificate the system does not trust (an internal relay); off by default. */
  ignoreTls?: boolean | undefined;
}
export interface ConsoleSettings {
  roles: ("sysadmin" | "secadmin" | "auditadmin" | "viewer")[];
  userIds: string[];
}

export type ChannelConfig =
  | { type: "webhook"; config: WebhookSettings }
  | { type: "sms"; config: SmsSettings }
  | { type: "email"; config: EmailSettings }
  | { type: "console"; config: ConsoleSettings };

/** The settings fields that hold a secret, per type: write-only in the API. */
export const SECRET_FIELDS: Record<ChannelType, readonly string[]> = {
  webhook: ["secret"],
  sms: ["secret"],
  email: ["password"],
  console: [],
};

export interface SendOptions {
  timeoutMs?: number;
  now?: () => number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** Sends over a webhook, SMS or e-mail channel. The console channel is written by the job (delivery.ts). */
export async function sendOver(
  channel: Exclude<ChannelConfig, { type: "console" }>,
  m: OutgoingMessage,
  opts: SendOptions = {},
): Promise<Delivery> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const headers = { "x-tianshu-delivery": m.id };
  switch (channel.type) {
    case "webhook":
      return sendWebhook(channel.config.url, webhookBody(m), Buffer.from(channel.config.secret, "utf8"), {
        timeoutMs,
        headers,
        ...(opts.now ? { now: opts.now } : {}),
      });
    case "sms":
      return sendWebhook(
        channel.config.url,
        smsBody(m, channel.config.phoneNumbers),
        Buffer.from(channel.config.secret, "utf8"),
        { timeoutMs, headers, ...(opts.now ? { now: opts.now } : {}) },
      );
    case "email":
      return sendEmail(channel.config, m, timeoutMs);
  }
}

/** SMTP reply codes and nodemailer error codes after which trying again later may help. */
const RETRYABLE_SMTP_CODES = new Set(["ECONNECTION", "ETIMEDOUT", "ESOCKET", "EDNS", "ECONNREFUSED", "ECONNRESET"]);

export async function sendEmail(
  s: EmailSettings,
  m: OutgoingMessage,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<Delivery> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  const transport = nodemailer.createTransport({
    host: s.host,
    port: s.port,
    secure: s.security === "tls",
    requireTLS: s.security === "starttls",
    ignoreTLS: s.security === "none",
    ...(s.user ? { auth: { user: s.user, pass: s.password ?? "" } } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    tls: { rejectUnauthorized: !s.ignoreTls },
    // Never log: the transcript would hold the credentials.
    logger: false,
    debug: false,
  });
  try {
    const { text, html } = emailBodies(m);
    const info = await transport.sendMail({
      from: s.from,
      to: s.to,
      subject: emailSubject(m),
      text,
      html,
      headers: { "X-Tianshu-Delivery": m.id },
    });
    const rejected = (info.rejected ?? []).length;
    if (rejected > 0 && (info.accepted ?? []).length === 0) {
      return { ok: false, status: null, error: "all recipients rejected", retryable: false, ms: ms() };
    }
    return { ok: true, status: 250, error: null, retryable: false, ms: ms() };
  } catch (err) {
    const e = err as Error & { code?: string; responseCode?: number };
    const status = typeof e.responseCode === "number" ? e.responseCode : null;
    // 4xx replies are transient by the SMTP rules; 5xx (bad address, refused auth) are not.
    const retryable = status !== null ? status >= 400 && status < 500 : RETRYABLE_SMTP_CODES.has(e.code ?? "");
    const why = status !== null ? `SMTP ${status}` : (e.code ?? "error");
    return { ok: false, status, error: `${why}: ${redact(e.message, s)}`.slice(0, 500), retryable, ms: ms() };
  } finally {
    transport.close();
  }
}

/** A server's error text might echo what was sent; never let the password through to the log. */
function redact(message: string, s: EmailSettings): string {
  return s.password ? message.split(s.password).join("******") : message;
}
