import crypto from "node:crypto";
import type { Logger } from "pino";
import client from "prom-client";
import { record } from "../audit/record";
import { type DataKeyRing, derivedKey } from "../crypto/data-keys";
import type { CryptoProfile } from "../crypto/profile";
import type { DbOrTx } from "../db/pool";

/**
 * Integrity of access-control data (密评, GB/T 39786; docs/policies.md "Integrity of access-control
 * data"). Every row that decides access carries `mac`: an HMAC (HMAC-SM3 under the gm profile,
 * HMAC-SHA256 under intl) over the row's canonical form, keyed by a key derived from the KEK for this
 * purpose only. A row whose MAC does not verify — changed, forged, copied from another row, or with
 * its MAC nulled — is not used: it can only take access away, never give it.
 */

/** The row kinds, one per table (the state row of the backfill included). */
export const ACL_KINDS = [
  "role_assignment",
  "scoped_admin",
  "policy",
  "policy_version",
  "api_client",
  "state",
] as const;
export type AclKind = (typeof ACL_KINDS)[number];

export const ACL_TABLES: Record<AclKind, string> = {
  role_assignment: "role_assignments",
  scoped_admin: "scoped_admins",
  policy: "policies",
  policy_version: "policy_versions",
  api_client: "api_clients",
  state: "acl_integrity_state",
};

/**
 * The fields of each kind that decide access, in the fixed order they are MACed. Ids are included,
 * so a MAC copied onto another row (or a row moved to another user or tenant) does not verify.
 * Left out on purpose: labels (names, descriptions), bookkeeping (created_at, last_used_at, version
 * counters) and policy_versions.status (loading follows policies.published_version, which is MACed).
 * A revocation time is reduced to "revoked", so SQL's now() (microseconds) needs no round trip.
 */
export interface AclFacts {
  role_assignment: { id: string; tenantId: string; userId: string; role: string };
  scoped_admin: {
    id: string;
    tenantId: string;
    userId: string;
    dimensionId: string;
    departmentId: string;
    actions: readonly string[];
    grantedBy: string;
    parentGrantId: string | null;
    expiresAt: Date | null;
    revoked: boolean;
  };
  policy: { id: string; tenantId: string; publishedVersion: number | null };
  policy_version: { policyId: string; version: number; document: unknown };
  api_client: { id: string; tenantId: string; secretHash: string; scopes: readonly string[]; revoked: boolean };
  state: { backfilled: Record<string, number> };
}

type Field = string | number | boolean | null;

/** Canonical JSON: object keys sorted at every level, no whitespace (jsonb does not keep key order). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

const sortedSet = (values: readonly string[]) => JSON.stringify([...new Set(values)].sort());
const ms = (d: Date | null) => (d === null ? null : d.getTime());

function fieldsOf<K extends AclKind>(kind: K, facts: AclFacts[K]): Field[] {
  switch (kind) {
    case "role_assignment": {
      const f = facts as AclFacts["role_assignment"];
      return [f.id, f.tenantId, f.userId, f.role];
    }
    case "scoped_admin": {
      const f = facts as AclFacts["scoped_admin"];
      return [
        f.id,
        f.tenantId,
        f.userId,
        f.dimensionId,
        f.departmentId,
        sortedSet(f.actions),
        f.grantedBy,
        f.parentGrantId,
        ms(f.expiresAt),
        f.revoked,
      ];
    }
    case "policy": {
      const f = facts as AclFacts["policy"];
      return [f.id, f.tenantId, f.publishedVersion];
    }
    case "policy_version": {
      const f = facts as AclFacts["policy_version"];
      return [f.policyId, f.version, canonicalJson(f.document)];
    }
    case "api_client": {
      const f = facts as AclFacts["api_client"];
      return [f.id, f.tenantId, f.secretHash, sortedSet(f.scopes), f.revoked];
    }
    default: {
      const f = facts as AclFacts["state"];
      return [canonicalJson(f.backfilled)];
    }
  }
}

/**
 * The bytes MACed: "tianshu.acl.v1", the kind, then each field as a type byte (0 null, 1 string,
 * 2 number, 3 boolean) and a 4-byte big-endian length before its UTF-8 text. Length prefixes keep
 * field boundaries unambiguous; the kind keeps a MAC of one table from verifying in another.
 */
export function canonicalForm<K extends AclKind>(kind: K, facts: AclFacts[K]): Buffer {
  const parts: Buffer[] = [];
  const put = (type: number, text: string) => {
    const body = Buffer.from(text, "utf8");
    const head = Buffer.alloc(5);
    head.writeUInt8(type, 0);
    head.writeUInt32BE(body.length, 1);
    parts.push(head, body);
  };
  put(1, "tianshu.acl.v1");
  put(1, kind);
  for (const v of fieldsOf(kind, facts)) {
    if (v === null) put(0, "");
    else if (typeof v === "string") put(1, v);
    else if (typeof v === "number") put(2, String(v));
    else put(3, v ? "1" : "0");
  }
  return Buffer.concat(parts);
}

/** The purpose of the KEK-derived MAC key, apart from every other key derived from the KEK. */
export const ACL_MAC_PURPOSE = "acl-integrity:mac";

export interface AclIntegrity {
  readonly algorithm: string;
  mac<K extends AclKind>(kind: K, facts: AclFacts[K]): Buffer;
  /** False for a NULL or wrong MAC. */
  verify<K extends AclKind>(kind: K, facts: AclFacts[K], mac: Buffer | null | undefined): boolean;
}

export function createAclIntegrity(profile: CryptoProfile, kek: Buffer, dataKeys?: DataKeyRing): AclIntegrity {
  // Carried over a KEK re-wrap (crypto/data-keys.ts CARRIED_DERIVATIONS), else derived from the KEK.
  const key = derivedKey(profile, kek, dataKeys, ACL_MAC_PURPOSE, 32);
  const mac = <K extends AclKind>(kind: K, facts: AclFacts[K]) => profile.hmac(key, canonicalForm(kind, facts));
  return {
    algorithm: profile.name === "gm" ? "HMAC-SM3" : "HMAC-SHA256",
    mac,
    verify(kind, facts, stored) {
      if (!stored || stored.length === 0) return false;
      const expected = mac(kind, facts);
      return expected.length === stored.length && crypto.timingSafeEqual(expected, stored);
    },
  };
}

/** A row whose MAC did not verify, as reported and audited. */
export interface AclViolation {
  kind: AclKind;
  /** The row's id (policy versions: "<policy id>:v<version>"). */
  rowId: string;
  tenantId: string | null;
  /** The user whose access the row decides, when it is about one user. */
  userId?: string | null;
  reason: "missing" | "mismatch";
  /** Where it was found: "load" (building a decision) or "check" (GET /api/v1/integrity/check). */
  foundBy: "load" | "check";
}

/**
 * Checks rows on load and reports what fails: audit event integrity.violation (result failure), an
 * error-level log line and the counter tianshu_acl_integrity_violations_total. The counter counts
 * every detection (so an alert on its increase keeps firing while the row stays bad); the audit
 * event and the log line are written once per row state per process, not on every request.
 */
export interface AclGuard {
  readonly integrity: AclIntegrity;
  readonly counter: client.Counter<"table" | "reason">;
  /** True when the row verifies; otherwise reports it and returns false (the caller must not use it). */
  check<K extends AclKind>(
    kind: K,
    facts: AclFacts[K],
    mac: Buffer | null | undefined,
    about: Omit<AclViolation, "kind" | "reason" | "foundBy"> & { foundBy?: AclViolation["foundBy"] },
  ): boolean;
  /** Reports a violation found elsewhere (the check route). */
  report(violation: AclViolation, mac: Buffer | null | undefined): void;
  /** Waits for the audit writes of reports made so far (tests, shutdown). */
  flush(): Promise<void>;
}

const MAX_REMEMBERED = 10_000;

export function createAclGuard(deps: { db: DbOrTx; integrity: AclIntegrity; logger: Pick<Logger, "error"> }): AclGuard {
  const counter = new client.Counter({
    name: "tianshu_acl_integrity_violations_total",
    help: "Access-control rows (role assignments, grants, policies, API clients) whose MAC did not verify",
    labelNames: ["table", "reason"] as const,
    registers: [],
  });
  const reported = new Set<string>();
  const pending = new Set<Promise<void>>();

  function report(v: AclViolation, mac: Buffer | null | undefined): void {
    const table = ACL_TABLES[v.kind];
    counter.inc({ table, reason: v.reason });
    const key = `${v.kind}:${v.rowId}:${mac ? mac.toString("hex") : "null"}`;
    if (reported.has(key)) return;
    if (reported.size >= MAX_REMEMBERED) reported.clear();
    reported.add(key);
    deps.logger.error(
      { table, rowId: v.rowId, tenantId: v.tenantId, userId: v.userId ?? null, reason: v.reason, foundBy: v.foundBy },
      "access-control row failed its integrity check (MAC); it is not used",
    );
    const write = record(deps.db, {
      tenantId: v.tenantId,
      actorId: null,
      actorName: "system",
      actorRole: null,
      action: "integrity.violation",
      targetType: table,
      targetId: v.rowId,
      result: "failure",
      detail: { table, reason: v.reason, userId: v.userId ?? null, foundBy: v.foundBy },
    })
      .catch((err: unknown) => {
        // Let a later detection try again: the event must land somewhere.
        reported.delete(key);
        deps.logger.error({ err, table, rowId: v.rowId }, "recording integrity.violation failed");
      })
      .finally(() => pending.delete(write));
    pending.add(write);
  }

  return {
    integrity: deps.integrity,
    counter,
    report,
    check(kind, facts, mac, about) {
      if (deps.integrity.verify(kind, facts, mac)) return true;
      report({ ...about, foundBy: about.foundBy ?? "load", kind, reason: mac ? "mismatch" : "missing" }, mac);
      return false;
    },
    async flush() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
