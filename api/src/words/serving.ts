import type { Logger } from "pino";
import type { Bus } from "../db/bus";
import type { Db, DbOrTx } from "../db/pool";
import { type CompiledDictionary, compileDictionary, type WordAction, type WordEntry } from "./engine";

/**
 * The dictionary each instance serves, one compiled object per tenant behind one reference
 * (docs/words.md, "Publishing and rollback"). A publication message makes the instance load and
 * compile the active snapshot and swap the reference; a check holds the object it started with.
 */
export const WORDS_CHANNEL = "words_published";
/** Without a listening bus (reconnecting), a cached dictionary is re-validated this often. */
const UNLISTENED_RECHECK_MS = 1_000;

type SnapshotWord = [string, string, number, WordAction, boolean];
interface Snapshot {
  words: SnapshotWord[];
  allow: string[];
}

export interface Serving {
  version: number;
  dictionary: CompiledDictionary;
  checkedAt: number;
}

const EMPTY = compileDictionary([]);

/** Compiles a stored snapshot, refusing one that is not the shape publish writes (a hand-edited row). */
export function compileSnapshot(raw: unknown): CompiledDictionary {
  const s = raw as Partial<Snapshot> | null;
  if (!s || !Array.isArray(s.words) || !Array.isArray(s.allow)) throw new Error("malformed word snapshot");
  const entries: WordEntry[] = s.words.map((w) => {
    if (!Array.isArray(w) || typeof w[0] !== "string" || typeof w[1] !== "string" || typeof w[2] !== "number") {
      throw new Error("malformed word in snapshot");
    }
    return { word: w[0], category: w[1], level: w[2], action: w[3], pinyin: w[4] === true };
  });
  if (!s.allow.every((a) => typeof a === "string")) throw new Error("malformed allow-list in snapshot");
  return compileDictionary(entries, s.allow);
}

/** The tenant's active publication version, 0 when nothing is published. */
export async function activeVersion(db: DbOrTx, tenantId: string): Promise<number> {
  const row = await db
    .selectFrom("word_active_versions")
    .select("version")
    .where("tenant_id", "=", tenantId)
    .executeTakeFirst();
  return row?.version ?? 0;
}

export function createServingCache(deps: { db: Db; bus: Bus; logger: Pick<Logger, "error"> }) {
  const { db, bus, logger } = deps;
  const serving = new Map<string, Serving>();
  const loading = new Map<string, Promise<Serving>>();

  /** Loads and compiles the tenant's active publication; deduplicated per tenant. */
  function load(tenantId: string): Promise<Serving> {
    let pending = loading.get(tenantId);
    if (pending) return pending;
    pending = (async () => {
      const row = await db
        .selectFrom("word_active_versions as a")
        .innerJoin("word_publications as p", (j) =>
          j.onRef("p.tenant_id", "=", "a.tenant_id").onRef("p.version", "=", "a.version"),
        )
        .select(["p.version", "p.snapshot"])
        .where("a.tenant_id", "=", tenantId)
        .executeTakeFirst();
      const next: Serving = row
        ? { version: row.version, dictionary: compileSnapshot(row.snapshot), checkedAt: Date.now() }
        : { version: 0, dictionary: EMPTY, checkedAt: Date.now() };
      const current = serving.get(tenantId);
      // A slower load must not replace a newer version installed meanwhile (publish swaps locally).
      if (!current || current.version <= next.version) serving.set(tenantId, next);
      return serving.get(tenantId) as Serving;
    })().finally(() => loading.delete(tenantId));
    loading.set(tenantId, pending);
    return pending;
  }

  /** Reloads a tenant after a message; on failure the previous dictionary keeps serving. */
  const refresh = (tenantId: string) =>
    load(tenantId).catch((err: unknown) =>
      logger.error({ err, tenantId }, "loading the published word list failed; the previous one keeps serving"),
    );

  bus.subscribe(WORDS_CHANNEL, (payload) => {
    let tenantId: unknown;
    try {
      tenantId = (JSON.parse(payload) as { tenantId?: unknown }).tenantId;
    } catch {
      return; // not ours to crash on: a stray NOTIFY on the channel
    }
    // Only tenants this instance serves; others load on their first check.
    if (typeof tenantId === "string" && serving.has(tenantId)) void refresh(tenantId);
  });
  bus.onResync(() => {
    for (const tenantId of serving.keys()) void refresh(tenantId);
  });

  /** The dictionary serving a tenant (loaded on first use). */
  async function servingFor(tenantId: string): Promise<Serving> {
    const cached = serving.get(tenantId);
    if (!cached) return load(tenantId);
    if (bus.listening || Date.now() - cached.checkedAt < UNLISTENED_RECHECK_MS) return cached;
    // Messages may be lost while the bus reconnects: ask the database, cheaply, at most once a second.
    if ((await activeVersion(db, tenantId)) === cached.version) {
      cached.checkedAt = Date.now();
      return cached;
    }
    return load(tenantId).catch(() => cached);
  }

  return {
    servingFor,
    /** Installs a dictionary this instance compiled itself (its own publish), unless a newer one is in. */
    install(tenantId: string, version: number, dictionary: CompiledDictionary) {
      const current = serving.get(tenantId);
      if (!current || current.version < version) serving.set(tenantId, { version, dictionary, checkedAt: Date.now() });
    },
  };
}

export type ServingCache = ReturnType<typeof createServingCache>;
