import { sql } from "kysely";
import type { Logger } from "pino";
import { record } from "../audit/record";
import type { Db } from "../db/pool";
import { withTx } from "../db/tx";
import { recordOrgChange } from "../orgs/changes";
import { lockTenantOrg } from "../orgs/tx";

/** What an erased account's display name becomes (剩余信息保护): no trace of the person. */
export const ERASED_DISPLAY_NAME = "已注销用户";
/** Never a valid "pbkdf2-sm3$…" hash, so nothing can sign in as an erased account. */
const ERASED_HASH = "!erased";
const BATCH = 500;
const LOCK_KEY = "tianshu.users.erasure";

/**
 * Erases the personal data of soft-deleted accounts whose retention period has passed: display name
 * to a placeholder, username to one derived from the id, phone, e-mail (ciphertexts, blind indexes,
 * last digits), pinyin, custom attributes and employee number cleared, the password hash replaced,
 * second factors, recovery codes and password history deleted. The row stays (audit events point
 * at it) and is marked erased_at. Runs under a transaction-scoped advisory lock, so with several
 * API instances one erases and the others skip; returns how many accounts were erased.
 */
export async function eraseDueAccounts(db: Db, now: Date = new Date()): Promise<number | null> {
  return withTx(db, async (tx) => {
    const { rows } = await sql<{
      locked: boolean;
    }>`SELECT pg_try_advisory_xact_lock(hashtext(${LOCK_KEY})) AS locked`.execute(tx);
    if (!rows[0]?.locked) return null;
    const candidates = await tx
      .selectFrom("users")
      .select(["id", "tenant_id"])
      .where("status", "=", "deleted")
      .where("erased_at", "is", null)
      .where("erase_after", "<=", now)
      .orderBy("erase_after")
      .limit(BATCH)
      .execute();
    if (candidates.length === 0) return 0;
    // Tenant org locks first, in a fixed order, then the rows: the order every org change uses.
    for (const tenantId of [...new Set(candidates.map((c) => c.tenant_id))].sort()) {
      await lockTenantOrg(tx, tenantId);
    }
    const due = await tx
      .selectFrom("users")
      .select(["id", "tenant_id"])
      .where(
        "id",
        "in",
        candidates.map((c) => c.id),
      )
      .where("status", "=", "deleted")
      .where("erased_at", "is", null)
      .forUpdate()
      .execute();
    if (due.length === 0) return 0;
    const ids = due.map((u) => u.id);
    for (const table of ["mfa_recovery_codes", "mfa_factors", "password_history"] as const) {
      await tx.deleteFrom(table).where("user_id", "in", ids).execute();
    }
    await tx
      .updateTable("users")
      .set({
        username: sql`'erased-' || id::text`,
        display_name: ERASED_DISPLAY_NAME,
        password_hash: ERASED_HASH,
        employee_no: null,
        phone_enc: null,
        phone_bidx: null,
        phone_last4: null,
        email_enc: null,
        email_bidx: null,
        name_pinyin: "",
        name_initials: "",
        attributes: "{}",
        erased_at: now,
        version: sql`version + 1`,
        updated_at: now,
      })
      .where("id", "in", ids)
      .execute();
    for (const u of due) {
      await recordOrgChange(tx, {
        tenantId: u.tenant_id,
        entity: "user",
        entityId: u.id,
        op: "updated",
        data: { erased: true },
      });
      await record(tx, {
        tenantId: u.tenant_id,
        actorId: null,
        actorName: "system",
        actorRole: null,
        action: "user.erase",
        targetType: "User",
        targetId: u.id,
        result: "success",
        detail: { reason: "retention period after deletion passed" },
      });
    }
    return due.length;
  });
}

/**
 * Runs the erasure now and then every `intervalMs` until stopped. Errors are logged and retried
 * next time; the timer does not keep the process alive.
 */
export function scheduleErasure(db: Db, logger: Logger, intervalMs = 3_600_000): { stop(): void } {
  let running = false;
  const run = async () => {
    if (running) return; // never overlap a slow run with the next tick
    running = true;
    try {
      let erased: number | null;
      do {
        erased = await eraseDueAccounts(db);
        if (erased) logger.info({ erased }, "personal data of deleted accounts erased");
      } while (erased === BATCH);
    } catch (err) {
      logger.warn({ err: (err as Error).message }, "erasure of deleted accounts failed; retrying next run");
    } finally {
      running = false;
    }
  };
  const first = setTimeout(run, 30_000);
  const timer = setInterval(run, intervalMs);
  first.unref();
  timer.unref();
  return {
    stop() {
      clearTimeout(first);
      clearInterval(timer);
    },
  };
}
