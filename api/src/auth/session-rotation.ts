import { actorOf, record } from "../audit/record";
import type { Tx } from "../db/pool";
import type { RequestContext } from "../http/context";
import { Unauthorized } from "../http/errors";
import type { IssuedToken } from "./cookie";
import { newSessionToken } from "./tokens";

/** Why a session's token was replaced; stored as the old row's revoke reason. */
export type RotationReason = "mfa_verified";

/**
 * Replaces the caller's session token with a fresh one (session fixation defence): a token someone
 * planted or saw before the second factor is worth nothing after it. The old row is revoked at once
 * and a new row carries the session on unchanged — sign-in time, absolute end, idle timeout, second-
 * factor state — so the session's rules stay those it was given at sign-in. A new row rather than a
 * new id on the old one: challenges and audit events keep pointing at the token they were made under.
 * The caller's context moves to the new session for the rest of the request.
 */
export async function rotateSession(tx: Tx, ctx: RequestContext, reason: RotationReason): Promise<IssuedToken> {
  const p = ctx.principal;
  if (!p) throw new Error("session rotation without a principal");
  // Revoking first locks the row: of two requests racing to rotate one session, only one gets it.
  const old = await tx
    .updateTable("sessions")
    .set({ revoked_at: new Date(), revoke_reason: "rotated" })
    .where("id", "=", p.sessionId)
    .where("revoked_at", "is", null)
    .returningAll()
    .executeTakeFirst();
  if (!old) {
    throw new Unauthorized("SESSION_ENDED", "This session has ended. Sign in again.", "会话已结束，请重新登录。");
  }
  const { token, id } = newSessionToken();
  await tx
    .insertInto("sessions")
    .values({
      id,
      tenant_id: old.tenant_id,
      user_id: old.user_id,
      created_at: old.created_at,
      last_seen_at: new Date(),
      idle_timeout_seconds: old.idle_timeout_seconds,
      expires_at: old.expires_at,
      ip: old.ip,
      user_agent: old.user_agent,
      mfa_verified_at: old.mfa_verified_at,
      mfa_method: old.mfa_method,
      mfa_required: old.mfa_required,
      mfa_failures: 0,
    })
    .execute();
  await record(tx, {
    ...actorOf(ctx),
    action: "auth.session.rotate",
    targetType: "Session",
    targetId: p.sessionId,
    result: "success",
    detail: { reason, newSessionId: id },
  });
  ctx.principal = { ...p, sessionId: id };
  return { token, maxAgeMs: Math.max(1000, new Date(old.expires_at).getTime() - Date.now()) };
}
