import { z } from "../http/zod";
import { parseCidr } from "./cidr";

/** Actions the two-person rule (双人复核) can cover; the approvals domain enforces them. */
export const TWO_PERSON_ACTIONS = ["scopedAdmin.grant", "policy.publish", "securitySettings.update"] as const;
export type TwoPersonAction = (typeof TWO_PERSON_ACTIONS)[number];

const int = (min: number, max: number) => z.number().int().min(min).max(max);

const cidr = z
  .string()
  .trim()
  .min(2)
  .max(64)
  .refine((v) => parseCidr(v) !== null, { message: "Not an IPv4/IPv6 address or CIDR range." });

/**
 * A tenant's security settings. Bounds are the floor 等保三级 allows (a password of at least 8
 * characters, a lockout, a second factor for admins) and sane ceilings; the defaults are the
 * recommended 等保三级 values.
 */
export const SecuritySettingsSchema = z
  .strictObject({
    passwordPolicy: z.strictObject({
      minLength: int(8, 64),
      minClasses: int(1, 4),
      historyCount: int(0, 24).describe("How many previous passwords may not be reused (0: none)"),
      maxAgeDays: int(0, 365).describe("Days until a password must be changed (0: never)"),
      expiryWarningDays: int(0, 60),
    }),
    lockout: z.strictObject({
      maxFailures: int(3, 20),
      lockMinutes: int(1, 24 * 60),
    }),
    sessions: z.strictObject({
      idleMinutes: int(1, 24 * 60),
      absoluteHours: int(1, 7 * 24),
      adminIdleMinutes: int(1, 24 * 60).describe("The shorter idle timeout of the three admin roles"),
      maxConcurrent: int(1, 50),
    }),
    mfa: z.strictObject({
      requireForUsers: z.boolean().describe("Admins always need a second factor; this extends it to everyone"),
    }),
    adminPlane: z.strictObject({
      ipAllowList: z
        .array(cidr)
        .max(100)
        .describe("CIDRs the three admin roles may sign in and work from; empty: anywhere"),
    }),
    twoPersonRule: z.strictObject({
      actions: z.array(z.enum(TWO_PERSON_ACTIONS)).max(TWO_PERSON_ACTIONS.length),
      proposalTtlHours: int(1, 7 * 24),
    }),
    accounts: z.strictObject({
      erasureDays: int(1, 3650).describe("Personal data of a deleted account is erased this many days later"),
    }),
  })
  .superRefine((s, ctx) => {
    const p = s.passwordPolicy;
    if (p.maxAgeDays > 0 && p.expiryWarningDays >= p.maxAgeDays) {
      ctx.addIssue({
        code: "custom",
        path: ["passwordPolicy", "expiryWarningDays"],
        message: "The expiry warning must start before the password expires.",
      });
    }
    if (s.sessions.adminIdleMinutes > s.sessions.idleMinutes) {
      ctx.addIssue({
        code: "custom",
        path: ["sessions", "adminIdleMinutes"],
        message: "The admin idle timeout may not be longer than the general one.",
      });
    }
    if (s.sessions.idleMinutes > s.sessions.absoluteHours * 60) {
      ctx.addIssue({
        code: "custom",
        path: ["sessions", "idleMinutes"],
        message: "The idle timeout may not exceed the absolute lifetime.",
      });
    }
    if (new Set(s.twoPersonRule.actions).size !== s.twoPersonRule.actions.length) {
      ctx.addIssue({ code: "custom", path: ["twoPersonRule", "actions"], message: "Each action once." });
    }
  })
  .openapi("SecuritySettings");
export type SecuritySettings = z.infer<typeof SecuritySettingsSchema>;

const DEFAULTS: SecuritySettings = {
  passwordPolicy: { minLength: 12, minClasses: 3, historyCount: 5, maxAgeDays: 90, expiryWarningDays: 14 },
  lockout: { maxFailures: 5, lockMinutes: 30 },
  sessions: { idleMinutes: 15, absoluteHours: 8, adminIdleMinutes: 10, maxConcurrent: 3 },
  mfa: { requireForUsers: false },
  adminPlane: { ipAllowList: [] },
  twoPersonRule: { actions: [], proposalTtlHours: 24 },
  accounts: { erasureDays: 30 },
};

/** The 等保三级 defaults: what a tenant that never saved its settings gets (a fresh copy each call). */
export function defaultSecuritySettings(): SecuritySettings {
  return structuredClone(DEFAULTS);
}

export const SecuritySettingsView = z
  .object({
    settings: SecuritySettingsSchema,
    version: z.number().int().min(0).describe("0 until the tenant first saves its settings"),
    updatedAt: z.string().nullable().describe("ISO 8601 UTC; null until first saved"),
  })
  .openapi("SecuritySettingsView");

export const PutSecuritySettingsBody = z
  .strictObject({ settings: SecuritySettingsSchema })
  .openapi("PutSecuritySettingsRequest");

export const PendingApproval = z.object({ approvalId: z.string() }).openapi("PendingApproval");
