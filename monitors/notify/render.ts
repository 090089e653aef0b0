/**
 * What a notification looks like on each channel (docs/monitors.md, "Notifications"): Chinese first,
 * then English. Pure functions: no I/O.
 */
import { clip, type NotificationSeverity } from "./outbox";

/** A notification as a channel sends it (a delivery row, or the channel test's message). */
export interface OutgoingMessage {
  /** The delivery's id (webhook receivers may use it to drop a duplicate). */
  id: string;
  source: { kind: "alert" | "incident" | "test"; id: string | null };
  severity: NotificationSeverity;
  title: { zh: string; en: string };
  text: { zh: string; en: string };
  link: string | null;
  data: Record<string, unknown>;
  createdAt: Date;
}

export const SEVERITY_LABEL: Record<NotificationSeverity, { zh: string; en: string }> = {
  critical: { zh: "严重", en: "Critical" },
  warning: { zh: "警告", en: "Warning" },
  info: { zh: "通知", en: "Info" },
};

/** Longest SMS text: 140 characters, about two segments of Chinese. */
export const SMS_MAX_CHARS = 140;

/** The JSON body of a webhook delivery. */
export function webhookBody(m: OutgoingMessage): string {
  return JSON.stringify({
    id: m.id,
    source: m.source,
    severity: m.severity,
    title: m.title,
    text: m.text,
    link: m.link,
    data: m.data,
    createdAt: m.createdAt.toISOString(),
  });
}

/** The SMS text: short, Chinese first, the English title after it. */
export function smsText(m: OutgoingMessage): string {
  const sev = SEVERITY_LABEL[m.severity];
  return clip(`【天枢】[${sev.zh}] ${m.title.zh}｜[${sev.en}] ${m.title.en}`, SMS_MAX_CHARS);
}

/** The JSON body sent to the SMS gateway: the numbers and the text. */
export function smsBody(m: OutgoingMessage, phoneNumbers: string[]): string {
  return JSON.stringify({ id: m.id, phoneNumbers, text: smsText(m), severity: m.severity });
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);

/** A link is only made clickable when it is http(s) or a path; anything else is shown as text. */
function safeHref(link: string): string | null {
  if (link.startsWith("/") && !link.startsWith("//")) return link;
  try {
    const url = new URL(link);
    return url.protocol === "http:" || url.protocol === "https:" ? url.toString() : null;
  } catch {
    return null;
  }
}

/** Subject without line breaks (a header), Chinese first. */
export function emailSubject(m: OutgoingMessage): string {
  const sev = SEVERITY_LABEL[m.severity];
  return clip(`[天枢][${sev.zh}] ${m.title.zh} / [${sev.en}] ${m.title.en}`.replace(/[\r\n]+/g, " "), 250);
}

/** Plain text and HTML bodies, Chinese then English; every value escaped in the HTML. */
export function emailBodies(m: OutgoingMessage): { text: string; html: string } {
  const sev = SEVERITY_LABEL[m.severity];
  const at = m.createdAt.toISOString();
  const text = [
    `[${sev.zh}] ${m.title.zh}`,
    "",
    m.text.zh,
    "",
    m.link ? `链接：${m.link}` : null,
    `时间：${at}`,
    "",
    "—— English ——",
    "",
    `[${sev.en}] ${m.title.en}`,
    "",
    m.text.en,
    "",
    m.link ? `Link: ${m.link}` : null,
    `Time: ${at}`,
    "",
    "天枢 Tianshu",
  ]
    .filter((l) => l !== null)
    .join("\n");
  const para = (s: string) => escapeHtml(s).replace(/\r?\n/g, "<br>");
  const href = m.link ? safeHref(m.link) : null;
  const linkHtml = (label: string) =>
    m.link
      ? `<p>${label}${href ? `<a href="${escapeHtml(href)}">${escapeHtml(m.link)}</a>` : escapeHtml(m.link)}</p>`
      : "";
  const section = (lang: "zh" | "en", label: string, time: string) =>
    `<section lang="${lang === "zh" ? "zh-CN" : "en"}">` +
    `<h2>[${escapeHtml(sev[lang])}] ${escapeHtml(m.title[lang])}</h2>` +
    `<p>${para(m.text[lang])}</p>${linkHtml(label)}<p>${time}${escapeHtml(at)}</p></section>`;
  const html =
    `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(emailSubject(m))}</title></head>` +
    `<body>${section("zh", "链接：", "时间：")}<hr>${section("en", "Link: ", "Time: ")}` +
    `<p style="color:#888">天枢 Tianshu</p></body></html>`;
  return { text, html };
}
