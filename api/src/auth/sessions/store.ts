import { type RawBuilder, type SqlBool, sql } from "kysely";
import type { DbOrTx } from "../../db/pool";
import type { Page } from "../../http/list";
import { LIVE_SESSION } from "../store";
import type { SESSION_SORTABLE, SessionDto } from "./schemas";

/** Subject fields of a Session for CASL conditions, mapped to trusted columns. */
export const SESSION_COLUMNS = { userId: "s.user_id", tenantId: "s.tenant_id" } as const;

const SORT_COLUMN = { createdAt: "s.created_at", lastSeenAt: "s.last_seen_at" } as const;

export interface SessionFilter {
  tenantId: string;
  userId?: string | undefined;
  /** What the caller's ability allows (compiled CASL rules); absent for the caller's own sessions. */
  allowed?: RawBuilder<SqlBool>;
}

/** Live sessions of a tenant (optionally one user's), filtered in SQL by what the caller may see. */
export async function listLiveSessions(
  db: DbOrTx,
  filter: SessionFilter,
  page: Page<(typeof SESSION_SORTABLE)[number]>,
  currentSessionId: string,
): Promise<{ rows: SessionDto[]; total: number }> {
  let q = db
    .selectFrom("sessions as s")
    .innerJoin("users as u", "u.id", "s.user_id")
    .where("s.tenant_id", "=", filter.tenantId)
    .where(LIVE_SESSION);
  if (filter.allowed) q = q.where(filter.allowed);
  if (filter.userId) q = q.where("s.user_id", "=", filter.userId);
  const [rows, count] = await Promise.all([
    q
      .select([
        "s.id",
        "s.user_id",
        "u.username",
        "s.created_at",
        "s.last_seen_at",
        "s.expires_at",
        "s.ip",
        "s.user_agent",
        "s.mfa_method",
      ])
      .orderBy(sql.ref(SORT_COLUMN[page.sort]), page.order)
      .orderBy("s.id", page.order)
      .offset(page.offset)
      .limit(page.limit)
      .execute(),
    q.select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow(),
  ]);
  return {
    total: Number(count.n),
    rows: rows.map((r) => ({
      id: r.id,
      userId: r.user_id,
      username: r.username,
      createdAt: r.created_at.toISOString(),
      lastSeenAt: r.last_seen_at.toISOString(),
      expiresAt: r.expires_at.toISOString(),
      ip: r.ip,
      userAgent: r.user_agent,
      current: r.id === currentSessionId,
      mfaMethod: r.mfa_method,
    })),
  };
}

/** Revokes a live session of the tenant that matches `allowed`; returns its owner, or null (404). */
export async function revokeLiveSession(
  tx: DbOrTx,
  sessionId: string,
  scope: { tenantId: string; userId?: string; allowed?: RawBuilder<SqlBool> },
  reason: string,
): Promise<{ userId: string; username: string } | null> {
  const result = await sql<{ user_id: string; username: string }>`
    UPDATE sessions AS s SET revoked_at = now(), revoke_reason = ${reason}
    FROM users AS u
    WHERE s.id = ${sessionId} AND u.id = s.user_id AND s.tenant_id = ${scope.tenantId}
      AND ${LIVE_SESSION}
      ${scope.userId ? sql`AND s.user_id = ${scope.userId}` : sql``}
      ${scope.allowed ? sql`AND ${scope.allowed}` : sql``}
    RETURNING s.user_id, u.username
  `.execute(tx);
  const row = result.rows[0];
  return row ? { userId: row.user_id, username: row.username } : null;
}
