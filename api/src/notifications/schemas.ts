import { listQuery } from "../http/list";
import { z } from "../http/zod";

/**
 * Notification channels, the delivery log and the message centre on the wire (docs/monitors.md,
 * "Notifications"; docs/api.md). Secrets are write-only: answers show MASK, and MASK sent back
 * keeps the stored value (service.ts).
 */
export const MASK = "******";
const Uuid = z.uuid();
const Instant = z.iso.datetime({ offset: true }).describe("ISO 8601");
export const CHANNEL_TYPES = ["webhook", "sms", "email", "console"] as const;
/** Roles a console channel may address (the built-in roles; viewer is the leadership role). */
export const RECIPIENT_ROLES = ["sysadmin", "secadmin", "auditadmin", "viewer"] as const;
const SEVERITIES = ["critical", "warning", "info"] as const;
export const DELIVERY_STATES = ["pending", "delivered", "failed"] as const;
const SOURCE_KINDS = ["alert", "incident", "test"] as const;

/** http(s) only, no user:password in the URL (it would be shown and logged), no control characters. */
const HookUrl = z
  .string()
  .trim()
  .max(2000)
  .refine(
    (v) => {
      if ([...v].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return false;
      try {
        const u = new URL(v);
        return (u.protocol === "http:" || u.protocol === "https:") && !u.username && !u.password;
      } catch {
        return false;
      }
    },
    { message: "An http(s) URL without user or password" },
  );
/** A signing secret: at least 16 characters, or MASK to keep the stored one. */
const Secret = z.union([z.literal(MASK), z.string().min(16).max(256)]);
const Email = z.email().max(254);
const Phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9]{5,20}$/, "Digits, optionally after +");
const Host = z
  .string()
  .trim()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.:[\]-]+$/, "A host name or IP address");

export const WebhookConfig = z.strictObject({ url: HookUrl, secret: Secret }).openapi("WebhookChannelConfig");
export const SmsConfig = z
  .strictObject({
    url: HookUrl.describe("The SMS gateway's endpoint (a signed webhook)"),
    secret: Secret,
    phoneNumbers: z.array(Phone).min(1).max(50),
  })
  .openapi("SmsChannelConfig");
export const EmailConfig = z
  .strictObject({
    host: Host,
    port: z.number().int().min(1).max(65535),
    security: z.enum(["tls", "starttls", "none"]).describe("tls: implicit TLS (465); starttls: required (587); none"),
    user: z.string().max(254).optional(),
    password: z.union([z.literal(MASK), z.string().min(1).max(256)]).optional(),
    from: Email,
    to: z.array(Email).min(1).max(50),
    ignoreTls: z.boolean().optional().describe("Accept an untrusted certificate (an internal relay)"),
  })
  .refine((c) => c.password === undefined || !!c.user, { message: "A password needs a user", path: ["password"] })
  .openapi("EmailChannelConfig");
export const ConsoleConfig = z
  .strictObject({
    roles: z.array(z.enum(RECIPIENT_ROLES)).max(RECIPIENT_ROLES.length).default([]),
    userIds: z.array(Uuid).max(100).default([]),
  })
  .refine((c) => c.roles.length + c.userIds.length > 0, { message: "At least one role or user", path: ["roles"] })
  .openapi("ConsoleChannelConfig");

const common = {
  name: z.string().trim().min(1).max(200),
  description: z.string().max(1000).default(""),
  enabled: z.boolean().default(true),
};
export const ChannelBody = z
  .discriminatedUnion("type", [
    z.strictObject({ ...common, type: z.literal("webhook"), config: WebhookConfig }),
    z.strictObject({ ...common, type: z.literal("sms"), config: SmsConfig }),
    z.strictObject({ ...common, type: z.literal("email"), config: EmailConfig }),
    z.strictObject({ ...common, type: z.literal("console"), config: ConsoleConfig }),
  ])
  .openapi("NotificationChannelRequest");
export type ChannelInput = z.output<typeof ChannelBody>;

export const ChannelSchema = z
  .strictObject({
    id: Uuid,
    name: z.string(),
    description: z.string(),
    type: z.enum(CHANNEL_TYPES),
    enabled: z.boolean(),
    config: z.record(z.string(), z.unknown()).describe("The type's settings, secrets shown as ******"),
    version: z.number().int(),
    createdBy: Uuid.nullable(),
    createdAt: Instant,
    updatedBy: Uuid.nullable(),
    updatedAt: Instant,
  })
  .openapi("NotificationChannel");

export const CHANNEL_SORTABLE = ["name", "type", "createdAt", "updatedAt"] as const;
export const ChannelListQuery = listQuery(CHANNEL_SORTABLE, "name").extend({
  q: z.string().trim().max(100).optional().describe("Part of the name"),
  type: z.enum(CHANNEL_TYPES).optional(),
  enabled: z.enum(["true", "false"]).optional(),
});

export const IdParams = z.strictObject({ id: Uuid });

export const TestOutcomeSchema = z
  .strictObject({
    ok: z.boolean(),
    status: z.number().int().nullable().describe("HTTP or SMTP status, when there was one"),
    error: z.string().nullable(),
    retryable: z.boolean(),
    ms: z.number().int(),
    deliveryId: Uuid.describe("The test's row in the delivery log"),
  })
  .openapi("NotificationTestOutcome");

export const DeliverySchema = z
  .strictObject({
    id: Uuid,
    channelId: Uuid.nullable().describe("null once the channel is deleted"),
    channelName: z.string(),
    channelType: z.enum(CHANNEL_TYPES),
    source: z.strictObject({ kind: z.enum(SOURCE_KINDS), id: Uuid.nullable() }),
    severity: z.enum(SEVERITIES),
    title: z.strictObject({ zh: z.string(), en: z.string() }),
    state: z.enum(DELIVERY_STATES),
    attempts: z.number().int(),
    maxAttempts: z.number().int(),
    nextAttemptAt: Instant.nullable().describe("When pending: the next try"),
    lastAttemptAt: Instant.nullable(),
    lastStatus: z.number().int().nullable(),
    lastError: z.string().nullable(),
    deliveredAt: Instant.nullable(),
    createdAt: Instant,
  })
  .openapi("NotificationDelivery");

const range = (q: { from?: string | undefined; to?: string | undefined }) =>
  !q.from || !q.to || Date.parse(q.to) > Date.parse(q.from);
export const DeliveryListQuery = listQuery(["createdAt", "lastAttemptAt"], "createdAt")
  .extend({
    state: z.enum(DELIVERY_STATES).optional(),
    channelId: Uuid.optional(),
    sourceKind: z.enum(SOURCE_KINDS).optional(),
    sourceId: Uuid.optional(),
    from: Instant.optional().describe("Created at or after"),
    to: Instant.optional().describe("Created before"),
  })
  .refine(range, { message: "to must be after from", path: ["to"] });

export const MessageSchema = z
  .strictObject({
    id: Uuid,
    severity: z.enum(SEVERITIES),
    title: z.strictObject({ zh: z.string(), en: z.string() }),
    text: z.strictObject({ zh: z.string(), en: z.string() }),
    link: z.string().nullable(),
    source: z.strictObject({ kind: z.enum(SOURCE_KINDS), id: Uuid.nullable() }),
    to: z.enum(["me", "role"]).describe("Addressed to the caller, or to the caller's role"),
    read: z.boolean(),
    readAt: Instant.nullable(),
    createdAt: Instant,
  })
  .openapi("Message");

export const MessageListQuery = listQuery(["createdAt"], "createdAt").extend({
  unread: z.enum(["true", "false"]).optional().describe("true: only unread ones"),
});
export const UnreadCountSchema = z.strictObject({ count: z.number().int() }).openapi("UnreadCount");
export const ReadAllSchema = z.strictObject({ marked: z.number().int() }).openapi("MessagesMarkedRead");
