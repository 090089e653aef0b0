import { apiRequest } from "../../api/http";

/** A sign-in session as GET /auth/sessions and GET /sessions list it (times ISO 8601 UTC). */
export interface SessionRow {
  id: string;
  createdAt: string;
  lastSeenAt: string | null;
  expiresAt: string | null;
  ip: string | null;
  userAgent: string | null;
  /** True for the session making the request (own list only). */
  current?: boolean;
  mfaMethod: "totp" | "sm2" | "recovery" | null;
}

/** "Chrome 131 · Windows": enough to recognise a device; the full string is in the tooltip. */
export function browserSummary(userAgent: string | null): string {
  if (!userAgent) return "";
  const browser =
    /Edg\/(\d+)/.exec(userAgent)?.[0].replace("Edg/", "Edge ") ??
    /Firefox\/(\d+)/.exec(userAgent)?.[0].replace("/", " ") ??
    /Chrom(?:e|ium)\/(\d+)/.exec(userAgent)?.[0].replace(/Chrom(?:e|ium)\//, "Chrome ") ??
    (/Version\/(\d+).*Safari/.exec(userAgent) ? `Safari ${/Version\/(\d+)/.exec(userAgent)?.[1]}` : undefined);
  const os = /Windows/.test(userAgent)
    ? "Windows"
    : /Android/.test(userAgent)
      ? "Android"
      : /iPhone|iPad/.test(userAgent)
        ? "iOS"
        : /Mac OS X/.test(userAgent)
          ? "macOS"
          : /Linux/.test(userAgent)
            ? "Linux"
            : undefined;
  const summary = [browser, os].filter(Boolean).join(" · ");
  return summary || userAgent.slice(0, 40);
}

export const listMySessions = async () => (await apiRequest<SessionRow[]>("/auth/sessions")).data;

export const revokeMySession = (id: string) =>
  apiRequest<void>(`/auth/sessions/${encodeURIComponent(id)}`, { method: "DELETE" });

/** Any user's sessions (sysadmin: read Session). At most a page of 200: a user holds only a few. */
export async function listUserSessions(userId: string): Promise<SessionRow[]> {
  const query = new URLSearchParams({ userId, _start: "0", _end: "200" });
  return (await apiRequest<SessionRow[]>("/sessions", { query })).data;
}

export const revokeSession = (id: string) =>
  apiRequest<void>(`/sessions/${encodeURIComponent(id)}`, { method: "DELETE" });
