import crypto from "node:crypto";
import { newPushToken } from "../../../monitors/probes/push";
import { sm3 } from "../crypto/sm";
import { Invalid } from "../http/errors";

/**
 * Secrets in monitor definitions are write-only (docs/monitors.md, "REST API"): the values of
 * credential headers and the password of a PostgreSQL connection string are shown as MASK, and a
 * definition sent back with MASK where a secret was keeps the stored secret, so the console can
 * edit a monitor without ever holding its credentials. Anything else is sent and stored as given.
 */
export const MASK = "******";

const CREDENTIAL_HEADER = /authorization|cookie|token|secret|password|passwd|api[-_]?key|session/i;

type Definition = Record<string, unknown>;

function maskConnectionString(value: string): string {
  try {
    const url = new URL(value);
    if (!url.password) return value;
    url.password = MASK;
    return url.toString();
  } catch {
    return value;
  }
}

/** The definition as the API shows it. */
export function maskDefinition(definition: Definition): Definition {
  const out: Definition = withoutReserved(definition);
  const headers = definition.headers;
  if (headers && typeof headers === "object") {
    out.headers = Object.fromEntries(
      Object.entries(headers as Record<string, string>).map(([name, value]) => [
        name,
        CREDENTIAL_HEADER.test(name) ? MASK : value,
      ]),
    );
  }
  if (typeof definition.connectionString === "string") {
    out.connectionString = maskConnectionString(definition.connectionString);
  }
  return out;
}

const maskedRefused = (path: string) =>
  new Invalid(
    "MONITOR_INVALID",
    "A masked secret was sent where no secret is stored; send the value itself.",
    "提交了掩码值，但该处没有已保存的密钥，请填写实际值。",
    [{ path, message: "masked value without a stored one", zh: "此处没有已保存的密钥，请填写实际值" }],
  );

/**
 * The definition to validate and store: where `input` carries back the masked form of a stored
 * secret, the stored secret. A mask where nothing is stored is refused (it would be stored as the
 * secret itself).
 */
export function unmaskDefinition(input: unknown, stored: Definition | null): unknown {
  if (!input || typeof input !== "object") return input;
  const out: Definition = { ...(input as Definition) };
  const headers = out.headers;
  if (headers && typeof headers === "object") {
    const before = (stored?.headers ?? {}) as Record<string, string>;
    const byName = new Map(Object.entries(before).map(([k, v]) => [k.toLowerCase(), v]));
    out.headers = Object.fromEntries(
      Object.entries(headers as Record<string, unknown>).map(([name, value]) => {
        if (value !== MASK) return [name, value];
        const kept = byName.get(name.toLowerCase());
        if (kept === undefined) throw maskedRefused(`body.headers.${name}`);
        return [name, kept];
      }),
    );
  }
  if (typeof out.connectionString === "string" && out.connectionString.includes(MASK)) {
    const kept = typeof stored?.connectionString === "string" ? stored.connectionString : null;
    if (kept === null || maskConnectionString(kept) !== out.connectionString) {
      throw maskedRefused("body.connectionString");
    }
    out.connectionString = kept;
  }
  return out;
}

/**
 * Encryption at rest (docs/monitors.md, "REST API"). The stored definition keeps the masked form in
 * place — credential header values as MASK, a connection string with its password masked — and the
 * secrets themselves sealed by the field cipher (data keys under the KEK, SM4-CTR + HMAC-SM3 under
 * the gm profile) in the reserved key `sealed`: path → sealed value, each bound to its monitor and
 * path (the associated data), so a value copied to another monitor or field does not open. Whoever
 * reads the table sees no credential; lists need no decryption (the in-place form is already what
 * the API shows). A push monitor's token is kept only as its SM3 digest, in `pushTokenHash`.
 * Rows written before this (secrets in clear, no `sealed`) still open: their values are in place.
 */
export const SEALED_KEY = "sealed";
export const PUSH_TOKEN_HASH_KEY = "pushTokenHash";
const RESERVED = new Set([SEALED_KEY, PUSH_TOKEN_HASH_KEY]);

/** What seals and opens one value (crypto/fields.ts FieldCipher). */
export interface SecretCipher {
  seal(value: string, place: string): string;
  open(sealed: string, place: string): string;
}

/** The associated data of a sealed value: the monitor and the path inside its definition. */
export const sealedPlace = (monitorId: string, path: string) => `monitors.definition:${monitorId}:${path}`;

/** A validated definition as stored: secrets masked in place and sealed under `sealed`. */
export function sealDefinition(
  definition: Definition,
  monitorId: string,
  cipher: SecretCipher,
  keep: { pushTokenHash?: string | undefined } = {},
): Definition {
  const out: Definition = { ...definition };
  const sealed: Record<string, string> = {};
  const headers = definition.headers;
  if (headers && typeof headers === "object") {
    out.headers = Object.fromEntries(
      Object.entries(headers as Record<string, string>).map(([name, value]) => {
        if (!CREDENTIAL_HEADER.test(name)) return [name, value];
        const path = `headers.${name}`;
        sealed[path] = cipher.seal(value, sealedPlace(monitorId, path));
        return [name, MASK];
      }),
    );
  }
  if (typeof definition.connectionString === "string") {
    const masked = maskConnectionString(definition.connectionString);
    if (masked !== definition.connectionString) {
      sealed.connectionString = cipher.seal(definition.connectionString, sealedPlace(monitorId, "connectionString"));
      out.connectionString = masked;
    }
  }
  if (Object.keys(sealed).length > 0) out[SEALED_KEY] = sealed;
  if (keep.pushTokenHash) out[PUSH_TOKEN_HASH_KEY] = keep.pushTokenHash;
  return out;
}

/** The stored definition with its secrets opened, reserved keys removed: what the prober runs. */
export function openDefinition(stored: Definition, monitorId: string, cipher: SecretCipher): Definition {
  const out: Definition = withoutReserved(stored);
  const sealed = stored[SEALED_KEY];
  if (!sealed || typeof sealed !== "object") return out;
  for (const [path, value] of Object.entries(sealed as Record<string, string>)) {
    const clear = cipher.open(value, sealedPlace(monitorId, path));
    if (path === "connectionString") out.connectionString = clear;
    else if (path.startsWith("headers.")) {
      out.headers = { ...(out.headers as Record<string, string>), [path.slice("headers.".length)]: clear };
    }
  }
  return out;
}

/** The stored push-token digest, if any. */
export function pushTokenHashOf(stored: Definition): string | undefined {
  const v = stored[PUSH_TOKEN_HASH_KEY];
  return typeof v === "string" ? v : undefined;
}

function withoutReserved(definition: Definition): Definition {
  return Object.fromEntries(Object.entries(definition).filter(([k]) => !RESERVED.has(k)));
}

/** SM3 digest (hex) of a push token: all that is stored of it. */
export const pushTokenDigest = (token: string) => sm3(token).toString("hex");

/** A new push token and its digest; the token is shown once and never stored. */
export function newPushCredential(): { token: string; hash: string } {
  const token = newPushToken();
  return { token, hash: pushTokenDigest(token) };
}

/** Whether `presented` is the token whose digest is `hash`, in constant time. */
export function pushTokenValid(presented: string, hash: string): boolean {
  const a = sm3(presented);
  const b = Buffer.from(hash, "hex");
  return b.length === a.length && crypto.timingSafeEqual(a, b);
}

/**
 * The prober's opener (monitors/store.ts DefinitionOpener). A value that does not open may be sealed
 * under a data key this process has not loaded yet (a rotation started elsewhere): `refresh` re-reads
 * the keys, and the monitor is picked up at the next reload of the list.
 */
export function definitionOpener(
  cipher: SecretCipher,
  refresh?: () => Promise<void>,
  logger?: { warn(obj: object, msg: string): void },
) {
  return (monitorId: string, stored: Record<string, unknown>): unknown => {
    try {
      return openDefinition(stored, monitorId, cipher);
    } catch (err) {
      // The monitor id and the error only: never a value.
      logger?.warn(
        { monitorId, err: (err as Error).message },
        "monitors: a sealed credential does not open; the monitor is not probed",
      );
      void refresh?.().catch(() => {});
      throw err;
    }
  };
}
