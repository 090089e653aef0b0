import { type Expression, type ExpressionBuilder, sql, type SqlBool, type Transaction } from "kysely";
import { actorOf, record } from "../audit/record";
import { type DataKeyRing, newWrappedDataKey } from "../crypto/data-keys";
import type { FieldCipher } from "../crypto/fields";
import type { CryptoProfile } from "../crypto/profile";
import type { Bus } from "../db/bus";
import type { Db } from "../db/pool";
import type { Database } from "../db/schema";
import { Conflict, NotFound } from "../http/errors";
import type { RequestContext } from "../http/context";
import { monitorsNeedWork, resealMonitors, resealSealedMap, sealedMapNeedsWork } from "../monitors/sealed-table";
import { CHANNELS_SEALED } from "../notifications/secrets";
import { createDataKeyService, type DataKeyService } from "./destroy";

/**
 * Data-key rotation (docs/crypto.md "Keys"): start() makes a new active data key and a job row; the
 * worker (rotation-worker.ts) re-seals every sealed column under it, batch by batch.
 */
export const DATA_KEYS_CHANNEL = "data_keys";
/** Serialises rotation starts and worker batches across instances (pg_advisory_xact_lock). */
export const ROTATION_LOCK = 0x746b_6579; // "tkey"

export interface KeyRotationView {
  id: string;
  state: "running" | "done" | "failed";
  fromVersion: number;
  toVersion: number;
  total: number;
  done: number;
  pass: number;
  batches: number;
  error: string | null;
  startedBy: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export interface KeyRotationService {
  start(ctx: RequestContext): Promise<KeyRotationView>;
  get(id: string): Promise<KeyRotationView>;
  /** The data keys: list, destroy a retired one (destroy.ts). */
  dataKeys: DataKeyService;
}

type Tx = Transaction<Database>;

/** One table holding sealed values, and how to find, open and re-seal them. */
export interface SealedTable {
  name: "users" | "mfa_factors" | "monitors" | "notification_channels";
  /** Rows with a sealed value not yet under data key `version`. */
  needsWork(
    version: number,
  ): (
    eb: ExpressionBuilder<Database, "users" | "mfa_factors" | "monitors" | "notification_channels">,
  ) => Expression<SqlBool>;
  reseal(tx: Tx, fields: FieldCipher, ids: string[]): Promise<number>;
}

/** "v3.<version>.%": values already sealed under `version` (LIKE: the dots and digits are literal). */
const under = (version: number) => `v3.${version}.%`;

const usersTable: SealedTable = {
  name: "users",
  needsWork: (version) => (eb) =>
    eb.or([
      eb.and([eb("phone_enc", "is not", null), eb("phone_enc", "not like", under(version))]),
      eb.and([eb("email_enc", "is not", null), eb("email_enc", "not like", under(version))]),
    ]),
  async reseal(tx, fields, ids) {
    const rows = await tx
      .selectFrom("users")
      .select(["id", "phone_enc", "email_enc"])
      .where("id", "in", ids)
      .forUpdate()
      .execute();
    for (const row of rows) {
      // Places as in users/present.ts: the value stays bound to its row and column.
      const phone = row.phone_enc ? fields.reseal(row.phone_enc, `users.phone:${row.id}`) : null;
      const email = row.email_enc ? fields.reseal(row.email_enc, `users.email:${row.id}`) : null;
      if (phone === null && email === null) continue;
      // Neither version nor updated_at changes: the content is the same, only its key is new.
      await tx
        .updateTable("users")
        .set({ ...(phone ? { phone_enc: phone } : {}), ...(email ? { email_enc: email } : {}) })
        .where("id", "=", row.id)
        .execute();
    }
    return rows.length;
  },
};

const mfaTable: SealedTable = {
  name: "mfa_factors",
  // Only TOTP secrets are sealed; an SM2 factor's "secret" is a public key.
  needsWork: (version) => (eb) => eb.and([eb("kind", "=", "totp"), eb("secret", "not like", under(version))]),
  async reseal(tx, fields, ids) {
    const rows = await tx
      .selectFrom("mfa_factors")
      .select(["id", "user_id", "secret"])
      .where("id", "in", ids)
      .forUpdate()
      .execute();
    for (const row of rows) {
      // Place as in auth/mfa/service.ts.
      const secret = fields.reseal(row.secret, `mfa_factors.secret:${row.user_id}`);
      if (secret) await tx.updateTable("mfa_factors").set({ secret }).where("id", "=", row.id).execute();
    }
    return rows.length;
  },
};

/** Credentials in monitor definitions (monitors/sealed-table.ts). */
const monitorsTable: SealedTable = { name: "monitors", needsWork: monitorsNeedWork, reseal: resealMonitors };

/** Notification channel secrets (notifications/secrets.ts). */
const channelsTable: SealedTable = {
  name: "notification_channels",
  needsWork: sealedMapNeedsWork(CHANNELS_SEALED),
  reseal: resealSealedMap(CHANNELS_SEALED),
};

/** Every sealed column, in the order the worker visits them. A new sealed column is added here. */
export const SEALED_TABLES: readonly SealedTable[] = [usersTable, mfaTable, monitorsTable, channelsTable];

/** How many rows still hold a value not sealed under `version`. */
export async function remainingRows(db: Db | Tx, version: number): Promise<number> {
  let total = 0;
  for (const table of SEALED_TABLES) {
    const row = await db
      .selectFrom(table.name)
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where(table.needsWork(version))
      .executeTakeFirstOrThrow();
    total += Number(row.n);
  }
  return total;
}

export function viewOfRotation(row: RotationRow): KeyRotationView {
  return {
    id: row.id,
    state: row.state,
    fromVersion: row.from_version,
    toVersion: row.to_version,
    total: row.total,
    done: row.done,
    pass: row.pass,
    batches: row.batches,
    error: row.error,
    startedBy: row.started_by,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
    finishedAt: row.finished_at ? new Date(row.finished_at).toISOString() : null,
  };
}

export interface RotationRow {
  id: string;
  tenant_id: string;
  started_by: string | null;
  from_version: number;
  to_version: number;
  state: "running" | "done" | "failed";
  step: string;
  cursor_id: string | null;
  pass: number;
  total: number;
  done: number;
  batches: number;
  error: string | null;
  created_at: Date | string;
  updated_at: Date | string;
  finished_at: Date | null;
}

export interface KeyRotationDeps {
  db: Db;
  kek: Buffer;
  profile: CryptoProfile;
  ring: DataKeyRing;
  bus: Bus;
}

export function createKeyRotationService(deps: KeyRotationDeps): KeyRotationService {
  const { db } = deps;
  return {
    dataKeys: createDataKeyService(deps),
    async start(ctx) {
      const row = await db.transaction().execute(async (tx) => {
        await sql`SELECT pg_advisory_xact_lock(${ROTATION_LOCK})`.execute(tx);
        const running = await tx
          .selectFrom("key_rotations")
          .select("id")
          .where("state", "=", "running")
          .executeTakeFirst();
        if (running) {
          throw new Conflict(
            "ROTATION_RUNNING",
            `key rotation ${running.id} is still running; start the next one when it has finished`,
            `密钥轮换 ${running.id} 尚未完成，完成后才能开始下一次轮换`,
          );
        }
        const current = await tx
          .selectFrom("data_keys")
          .select(["version"])
          .where("purpose", "=", "fields")
          .where("state", "=", "active")
          .executeTakeFirstOrThrow();
        const { max } = await tx
          .selectFrom("data_keys")
          .select((eb) => eb.fn.max("version").as("max"))
          .executeTakeFirstOrThrow();
        const version = Number(max) + 1;
        // The old key is kept to open what is still sealed under it until the worker is done.
        await tx.updateTable("data_keys").set({ state: "retiring" }).where("version", "=", current.version).execute();
        await tx
          .insertInto("data_keys")
          .values({
            version,
            purpose: "fields",
            state: "active",
            wrapped_key: newWrappedDataKey(deps.profile, deps.kek, version, "fields"),
          })
          .execute();
        const total = await remainingRows(tx, version);
        const job = await tx
          .insertInto("key_rotations")
          .values({
            tenant_id: ctx.principal?.tenantId as string,
            started_by: ctx.principal?.userId ?? null,
            purpose: "fields",
            from_version: current.version,
            to_version: version,
            total,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await record(tx, {
          ...actorOf(ctx),
          action: "crypto.keyRotation.start",
          targetType: "KeyRotation",
          targetId: job.id,
          result: "success",
          detail: { fromVersion: current.version, toVersion: version, total },
        });
        return job;
      });
      // This instance seals with the new key at once; the others (and every worker) on the message.
      await deps.ring.refresh();
      await deps.bus.publish(DATA_KEYS_CHANNEL, String(row.to_version));
      return viewOfRotation(row);
    },
    async get(id) {
      const row = await db.selectFrom("key_rotations").selectAll().where("id", "=", id).executeTakeFirst();
      if (!row) throw new NotFound("NOT_FOUND", "no such key rotation", "密钥轮换不存在");
      return viewOfRotation(row);
    },
  };
}
