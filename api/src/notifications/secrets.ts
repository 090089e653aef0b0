import { sql } from "kysely";
import { type ChannelType, SECRET_FIELDS } from "../../../monitors/notify/channels";
import type { Db } from "../db/pool";
import type { SealedMap } from "../monitors/sealed-table";
import { MASK, SEALED_KEY, type SecretCipher } from "../monitors/secrets";

/**
 * Channel secrets at rest (docs/monitors.md, "Notifications"), as monitor credentials
 * (monitors/secrets.ts): the stored settings keep MASK in place of each secret field (SECRET_FIELDS:
 * a webhook's or SMS gateway's signing secret, the SMTP password) and the secrets themselves sealed
 * by the field cipher in the reserved key `sealed`: field → sealed value, each bound to its channel
 * and field, so a value copied to another channel or field does not open. Rows written before this
 * (secrets in clear, no `sealed`) still open: their values are in place; the start seals them.
 */
type Config = Record<string, unknown>;

/** The associated data of a sealed channel secret: the channel and the field inside its settings. */
export const channelPlace = (channelId: string, field: string) => `notification_channels.config:${channelId}:${field}`;

/** For the data-key rotation and the per-key counts (keys/rotation.ts, keys/sealed-columns.ts). */
export const CHANNELS_SEALED: SealedMap = { table: "notification_channels", column: "config", place: channelPlace };

/** Validated settings (secrets in clear) as stored: secrets masked in place and sealed under `sealed`. */
export function sealChannelConfig(type: ChannelType, config: Config, channelId: string, cipher: SecretCipher): Config {
  const out: Config = { ...config };
  delete out[SEALED_KEY];
  const sealed: Record<string, string> = {};
  for (const field of SECRET_FIELDS[type]) {
    const value = config[field];
    if (typeof value !== "string" || value === MASK) continue;
    sealed[field] = cipher.seal(value, channelPlace(channelId, field));
    out[field] = MASK;
  }
  if (Object.keys(sealed).length > 0) out[SEALED_KEY] = sealed;
  return out;
}

/**
 * The stored settings with their secrets opened and the reserved key removed: what a send uses.
 * Without a cipher only settings holding no sealed value open (rows stored in clear).
 */
export function openChannelConfig(stored: Config, channelId: string, cipher: SecretCipher | undefined): Config {
  const { [SEALED_KEY]: sealed, ...out } = stored;
  if (!sealed || typeof sealed !== "object") return out;
  const entries = Object.entries(sealed as Record<string, string>);
  if (entries.length === 0) return out;
  if (!cipher) throw new Error("the channel's secrets are sealed and no cipher was given to open them");
  for (const [field, value] of entries) out[field] = cipher.open(value, channelPlace(channelId, field));
  return out;
}

/** The delivery error when a sealed secret does not open (never a value). */
export const SECRET_DOES_NOT_OPEN = "the channel secret does not open (its data key is not loaded, or it was altered)";

/** The stored settings without the reserved key (for views: secrets are MASK there already). */
export function withoutSealed(stored: Config): Config {
  const { [SEALED_KEY]: _sealed, ...out } = stored;
  return out;
}

/**
 * Seals the secrets of channels stored before encryption at rest (clear in place, no `sealed`). Run
 * at start (server.ts); idempotent, and a row sealed meanwhile by another instance is left alone.
 * Returns how many channels were sealed.
 */
export async function sealClearChannelSecrets(db: Db, cipher: SecretCipher): Promise<number> {
  const candidates = await sql<{ id: string }>`
    SELECT id FROM notification_channels
    WHERE type IN ('webhook', 'sms', 'email') AND NOT (config ? ${SEALED_KEY})
      AND (config ? 'secret' OR config ? 'password')`.execute(db);
  let sealed = 0;
  for (const { id } of candidates.rows) {
    sealed += await db.transaction().execute(async (tx) => {
      const row = await tx
        .selectFrom("notification_channels")
        .select(["type", "config"])
        .where("id", "=", id)
        .forUpdate()
        .executeTakeFirst();
      if (!row || SEALED_KEY in row.config) return 0;
      const stored = sealChannelConfig(row.type, row.config, id, cipher);
      if (!(SEALED_KEY in stored)) return 0;
      // Only the storage form changes: version and updated_at stay.
      await tx
        .updateTable("notification_channels")
        .set({ config: JSON.stringify(stored) })
        .where("id", "=", id)
        .execute();
      return 1;
    });
  }
  return sealed;
}
