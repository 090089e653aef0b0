import { sql } from "kysely";
import { actorOf, record } from "../audit/record";
import type { DataKeyRing } from "../crypto/data-keys";
import type { Bus } from "../db/bus";
import type { Db } from "../db/pool";
import { Conflict, NotFound } from "../http/errors";
import type { RequestContext } from "../http/context";
import type { Page } from "../http/list";
import { DATA_KEYS_CHANNEL, ROTATION_LOCK } from "./rotation";
import { valuesUnderVersion } from "./sealed-columns";

/**
 * The data keys of the field cipher as secadmin sees them (never key material), and the destruction
 * of a retired one (docs/crypto.md "Destroying retired data keys").
 */
export interface DataKeyView {
  version: number;
  state: "active" | "retiring" | "retired" | "destroyed";
  createdAt: string;
  destroyedAt: string | null;
}

export type DataKeySort = "version" | "createdAt";

export interface DataKeyService {
  list(page: Page<DataKeySort>): Promise<{ rows: DataKeyView[]; total: number }>;
  /** Destroys retired data key `version`: its wrapped key is erased, its row kept as a tombstone. */
  destroy(ctx: RequestContext, version: number): Promise<DataKeyView>;
}

interface DataKeyRow {
  version: number;
  state: DataKeyView["state"];
  created_at: Date | string;
  destroyed_at: Date | null;
}

const viewOf = (row: DataKeyRow): DataKeyView => ({
  version: row.version,
  state: row.state,
  createdAt: new Date(row.created_at).toISOString(),
  destroyedAt: row.destroyed_at ? new Date(row.destroyed_at).toISOString() : null,
});

export function createDataKeyService(deps: { db: Db; ring: DataKeyRing; bus: Bus }): DataKeyService {
  const { db } = deps;
  return {
    async list(page) {
      const sortColumn = page.sort === "createdAt" ? "created_at" : "version";
      const rows = await db
        .selectFrom("data_keys")
        .select(["version", "state", "created_at", "destroyed_at"])
        .where("purpose", "=", "fields")
        .orderBy(sortColumn, page.order)
        .orderBy("version", page.order)
        .offset(page.offset)
        .limit(page.limit)
        .execute();
      const { n } = await db
        .selectFrom("data_keys")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .where("purpose", "=", "fields")
        .executeTakeFirstOrThrow();
      return { rows: rows.map(viewOf), total: Number(n) };
    },

    async destroy(ctx, version) {
      const row = await db.transaction().execute(async (tx) => {
        // With the rotation lock no batch re-seals meanwhile, and no rotation starts.
        await sql`SELECT pg_advisory_xact_lock(${ROTATION_LOCK})`.execute(tx);
        const key = await tx
          .selectFrom("data_keys")
          .select(["version", "state", "created_at", "destroyed_at"])
          .where("version", "=", version)
          .where("purpose", "=", "fields")
          .forUpdate()
          .executeTakeFirst();
        if (!key) throw new NotFound("NOT_FOUND", `no data key version ${version}`, `数据密钥版本 ${version} 不存在`);
        if (key.state === "destroyed") {
          throw new Conflict(
            "KEY_DESTROYED",
            `data key version ${version} was already destroyed`,
            `数据密钥版本 ${version} 已销毁`,
          );
        }
        if (key.state !== "retired") {
          throw new Conflict(
            "KEY_NOT_RETIRED",
            `data key version ${version} is ${key.state}: only a key retired by a finished rotation can be destroyed`,
            `数据密钥版本 ${version} 状态为 ${key.state}，仅可销毁已完成轮换而退役的密钥`,
          );
        }
        const inUse = await valuesUnderVersion(tx, version);
        const count = Object.values(inUse).reduce((a, b) => a + b, 0);
        if (count > 0) {
          throw new Conflict(
            "KEY_IN_USE",
            `${count} sealed values still use data key version ${version} (${Object.keys(inUse).join(", ")}); ` +
              "run a key rotation so that they move to the active key",
            `仍有 ${count} 个加密值使用数据密钥版本 ${version}，请先执行密钥轮换`,
          );
        }
        const destroyed = await tx
          .updateTable("data_keys")
          .set({ state: "destroyed", wrapped_key: null, destroyed_at: sql`now()` })
          .where("version", "=", version)
          .returning(["version", "state", "created_at", "destroyed_at"])
          .executeTakeFirstOrThrow();
        await record(tx, {
          ...actorOf(ctx),
          action: "crypto.dataKey.destroy",
          targetType: "DataKey",
          targetId: String(version),
          result: "success",
          detail: { version, createdAt: new Date(key.created_at).toISOString() },
        });
        return destroyed;
      });
      // Every instance drops the key from its ring (refresh reads only keys that are not destroyed).
      await deps.ring.refresh();
      await deps.bus.publish(DATA_KEYS_CHANNEL, `destroyed:${version}`);
      return viewOf(row);
    },
  };
}
