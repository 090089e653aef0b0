import { sql } from "kysely";
import type { Logger } from "pino";
import { record } from "../audit/record";
import type { DataKeyRing } from "../crypto/data-keys";
import type { FieldCipher } from "../crypto/fields";
import { CryptoProfileMismatchError } from "../crypto/profile";
import { IntegrityError } from "../crypto/sm";
import type { Bus } from "../db/bus";
import type { Db } from "../db/pool";
import { DATA_KEYS_CHANNEL, remainingRows, ROTATION_LOCK, SEALED_TABLES } from "./rotation";

/**
 * The background re-encryption of a key rotation. Each batch is one transaction: it takes the
 * rotation advisory lock (one batch at a time across all instances), reads the job's cursor, re-seals
 * up to `batchSize` rows after it and writes the new cursor and counts — so a crash loses at most the
 * uncommitted batch, and the next worker (any instance) resumes from the last committed cursor.
 * Rows already under the new key are never selected, so nothing is re-sealed or counted twice.
 */
export type BatchOutcome = "idle" | "busy" | "progress" | "finished" | "failed";

export interface RotationWorkerDeps {
  db: Db;
  fields: FieldCipher;
  ring: DataKeyRing;
  logger: Logger;
  batchSize?: number;
  /** Fault injection for tests: runs inside the batch transaction after its rows were re-sealed. */
  beforeCommit?: () => void | Promise<void>;
}

export interface RotationWorker {
  /** Runs one batch of the running rotation, if any. */
  runBatch(): Promise<BatchOutcome>;
}

const DEFAULT_BATCH = 500;
/** A pass that finds new stragglers (written by an instance still on the old key) starts over; bounded. */
const MAX_PASSES = 5;

class StragglersError extends Error {}

export function createRotationWorker(deps: RotationWorkerDeps): RotationWorker {
  const { db, fields, ring } = deps;
  const batchSize = deps.batchSize ?? DEFAULT_BATCH;
  return {
    async runBatch() {
      const pending = await db
        .selectFrom("key_rotations")
        .select(["to_version"])
        .where("state", "=", "running")
        .executeTakeFirst();
      if (!pending) return "idle";
      // Started on another instance: learn its key before re-sealing with it.
      if (ring.active().version !== pending.to_version) await ring.refresh();
      if (ring.active().version !== pending.to_version) return "busy";
      try {
        return await db.transaction().execute(async (tx) => {
          const locked = await sql<{ ok: boolean }>`SELECT pg_try_advisory_xact_lock(${ROTATION_LOCK}) AS ok`.execute(
            tx,
          );
          if (!locked.rows[0]?.ok) return "busy";
          const job = await tx
            .selectFrom("key_rotations")
            .selectAll()
            .where("state", "=", "running")
            .forUpdate()
            .executeTakeFirst();
          if (!job) return "idle";
          const stepIndex = Math.max(
            0,
            SEALED_TABLES.findIndex((t) => t.name === job.step),
          );
          const table = SEALED_TABLES[stepIndex] as (typeof SEALED_TABLES)[number];
          let query = tx
            .selectFrom(table.name)
            .select("id")
            .where(table.needsWork(job.to_version))
            .orderBy("id")
            .limit(batchSize);
          if (job.cursor_id) query = query.where("id", ">", job.cursor_id);
          const ids = (await query.execute()).map((r) => r.id);
          const done = ids.length > 0 ? await table.reseal(tx, fields, ids) : 0;
          let next: { step: string; cursor_id: string | null; pass: number; total: number } = {
            step: table.name,
            cursor_id: ids.at(-1) ?? job.cursor_id,
            pass: job.pass,
            total: job.total,
          };
          let finished = false;
          if (ids.length < batchSize) {
            const following = SEALED_TABLES[stepIndex + 1];
            if (following) {
              next = { ...next, step: following.name, cursor_id: null };
            } else {
              // End of the last table: values written meanwhile under the old key need another pass.
              const left = await remainingRows(tx, job.to_version);
              if (left === 0) finished = true;
              else if (job.pass >= MAX_PASSES)
                throw new StragglersError(`${left} values still under an old key after ${job.pass} passes`);
              else
                next = {
                  step: SEALED_TABLES[0]?.name ?? table.name,
                  cursor_id: null,
                  pass: job.pass + 1,
                  total: job.total + left,
                };
            }
          }
          await tx
            .updateTable("key_rotations")
            .set({
              ...next,
              done: job.done + done,
              batches: job.batches + 1,
              updated_at: sql`now()`,
              ...(finished ? { state: "done" as const, finished_at: sql`now()` } : {}),
            })
            .where("id", "=", job.id)
            .execute();
          if (finished) {
            // Nothing is sealed under the old keys any more; they stay stored (wrapped) but unused.
            await tx.updateTable("data_keys").set({ state: "retired" }).where("state", "=", "retiring").execute();
            await record(tx, {
              ...finishEvent(job.tenant_id, job.id),
              result: "success",
              detail: {
                fromVersion: job.from_version,
                toVersion: job.to_version,
                done: job.done + done,
                passes: job.pass,
              },
            });
          }
          await deps.beforeCommit?.();
          return finished ? "finished" : "progress";
        });
      } catch (err) {
        // A value that does not open (altered, or its key lost) stops the job instead of looping on it.
        if (!isDataError(err)) throw err;
        await failJob(db, err.message);
        deps.logger.error({ err }, "key rotation failed");
        return "failed";
      }
    },
  };
}

/** The end of a rotation job, in the audit log: the system's act, not a person's. */
function finishEvent(tenantId: string | null, jobId: string) {
  return {
    tenantId,
    actorId: null,
    actorName: "system:key-rotation",
    actorRole: null,
    action: "crypto.keyRotation.finish",
    targetType: "KeyRotation",
    targetId: jobId,
  };
}

/** Errors of the data itself (integrity, unknown key, endless stragglers), not of the database. */
function isDataError(err: unknown): err is Error {
  return err instanceof IntegrityError || err instanceof CryptoProfileMismatchError || err instanceof StragglersError;
}

async function failJob(db: Db, message: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const job = await tx
      .updateTable("key_rotations")
      .set({ state: "failed", error: message.slice(0, 500), updated_at: sql`now()`, finished_at: sql`now()` })
      .where("state", "=", "running")
      .returning(["id", "tenant_id", "from_version", "to_version"])
      .executeTakeFirst();
    if (!job) return;
    await record(tx, {
      ...finishEvent(job.tenant_id, job.id),
      result: "failure",
      detail: { fromVersion: job.from_version, toVersion: job.to_version, error: message.slice(0, 500) },
    });
  });
}

/**
 * Runs batches while there is work, then waits for a message on the data-keys channel (a rotation
 * started anywhere) or the poll interval — the poll also picks up a job left by a crashed instance.
 */
export function startRotationWorker(deps: RotationWorkerDeps & { bus: Bus; pollMs?: number }): {
  stop(): Promise<void>;
} {
  const worker = createRotationWorker(deps);
  let stopped = false;
  let wake: (() => void) | undefined;
  const nudge = () => wake?.();
  // The ring itself is refreshed by createServices on the same message; runBatch refreshes it again
  // if it wakes first.
  const unsubscribe = deps.bus.subscribe(DATA_KEYS_CHANNEL, nudge);
  const loop = (async () => {
    while (!stopped) {
      let outcome: BatchOutcome;
      try {
        outcome = await worker.runBatch();
      } catch (err) {
        deps.logger.warn({ err }, "key rotation batch failed; retrying");
        outcome = "busy";
      }
      if (outcome === "progress") continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deps.pollMs ?? 30_000);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  })();
  return {
    async stop() {
      stopped = true;
      unsubscribe();
      nudge();
      await loop;
    },
  };
}
