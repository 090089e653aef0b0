import { apiRequest } from "../../api/http";

/**
 * The security settings document (GET/PUT /api/v1/security-settings), with the bounds the server's schema
 * enforces (api/src/settings/schemas.ts) so the form can say so before a round trip. The server checks again.
 */
export const TWO_PERSON_ACTIONS = ["scopedAdmin.grant", "policy.publish", "securitySettings.update"] as const;
export type TwoPersonAction = (typeof TWO_PERSON_ACTIONS)[number];

export interface SecuritySettings {
  passwordPolicy: {
    minLength: number;
    minClasses: number;
    historyCount: number;
    maxAgeDays: number;
    expiryWarningDays: number;
  };
  lockout: { maxFailures: number; lockMinutes: number };
  sessions: { idleMinutes: number; absoluteHours: number; adminIdleMinutes: number; maxConcurrent: number };
  mfa: { requireForUsers: boolean };
  adminPlane: { ipAllowList: string[] };
  twoPersonRule: { actions: TwoPersonAction[]; proposalTtlHours: number };
  accounts: { erasureDays: number };
}

export interface SettingsView {
  settings: SecuritySettings;
  /** 0 until the tenant first saves; sent back as If-Match. */
  version: number;
  updatedAt: string | null;
}

type Section = keyof SecuritySettings;

/** A numeric field: its place in the document and the server's bounds. */
export interface NumberField {
  section: Section;
  name: string;
  min: number;
  max: number;
}

export const NUMBER_FIELDS: NumberField[] = [
  { section: "passwordPolicy", name: "minLength", min: 8, max: 64 },
  { section: "passwordPolicy", name: "minClasses", min: 1, max: 4 },
  { section: "passwordPolicy", name: "historyCount", min: 0, max: 24 },
  { section: "passwordPolicy", name: "maxAgeDays", min: 0, max: 365 },
  { section: "passwordPolicy", name: "expiryWarningDays", min: 0, max: 60 },
  { section: "lockout", name: "maxFailures", min: 3, max: 20 },
  { section: "lockout", name: "lockMinutes", min: 1, max: 1440 },
  { section: "sessions", name: "idleMinutes", min: 1, max: 1440 },
  { section: "sessions", name: "absoluteHours", min: 1, max: 168 },
  { section: "sessions", name: "adminIdleMinutes", min: 1, max: 1440 },
  { section: "sessions", name: "maxConcurrent", min: 1, max: 50 },
  { section: "twoPersonRule", name: "proposalTtlHours", min: 1, max: 168 },
  { section: "accounts", name: "erasureDays", min: 1, max: 3650 },
];

export const SECTIONS: Section[] = [
  "passwordPolicy",
  "lockout",
  "sessions",
  "mfa",
  "adminPlane",
  "twoPersonRule",
  "accounts",
];

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** An IPv4 or IPv6 address, optionally with a prefix length (a bare address is a /32 or /128). */
export function isCidr(value: string): boolean {
  const [address = "", prefix, extra] = value.trim().split("/");
  if (extra !== undefined) return false;
  const v4 = IPV4.test(address);
  const v6 = !v4 && address.includes(":") && isIpv6(address);
  if (!v4 && !v6) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (v4 ? 32 : 128);
}

function isIpv6(address: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(address)) return false;
  try {
    // The URL parser implements the WHATWG IPv6 grammar (compression, embedded IPv4).
    return new URL(`http://[${address}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

/** Cross-field rules of the server's schema, as [field path, i18n key] pairs. */
export function crossFieldProblems(s: SecuritySettings): { path: [Section, string]; key: string }[] {
  const problems: { path: [Section, string]; key: string }[] = [];
  const p = s.passwordPolicy;
  if (p.maxAgeDays > 0 && p.expiryWarningDays >= p.maxAgeDays) {
    problems.push({ path: ["passwordPolicy", "expiryWarningDays"], key: "identity.settings.mismatchWarning" });
  }
  if (s.sessions.adminIdleMinutes > s.sessions.idleMinutes) {
    problems.push({ path: ["sessions", "adminIdleMinutes"], key: "identity.settings.adminIdleTooLong" });
  }
  if (s.sessions.idleMinutes > s.sessions.absoluteHours * 60) {
    problems.push({ path: ["sessions", "idleMinutes"], key: "identity.settings.idleTooLong" });
  }
  return problems;
}

export async function loadSettings(): Promise<SettingsView> {
  return (await apiRequest<SettingsView>("/security-settings")).data;
}

/** 200 with the saved document, or 202 with the approval that will apply it (two-person rule). */
export type SaveOutcome = { kind: "saved"; view: SettingsView } | { kind: "proposed"; approvalId: string };

export async function saveSettings(settings: SecuritySettings, version: number): Promise<SaveOutcome> {
  const { data } = await apiRequest<SettingsView | { approvalId: string }>("/security-settings", {
    method: "PUT",
    body: { settings },
    headers: { "If-Match": `"${version}"` },
  });
  return "approvalId" in data ? { kind: "proposed", approvalId: data.approvalId } : { kind: "saved", view: data };
}
