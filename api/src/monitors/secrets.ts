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
  const out: Definition = { ...definition };
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
