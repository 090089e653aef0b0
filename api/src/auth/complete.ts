import { actorOf, record } from "../audit/record";
import type { Tx } from "../db/pool";
import type { RequestContext } from "../http/context";
import type { SecuritySettings } from "../settings/schemas";
import * as store from "./store";

/**
 * A sign-in becomes complete when the password is right and, where required, the second factor too:
 * the failure count is cleared and the concurrent-session limit applies (oldest sessions end, audited).
 */
export async function completeSignIn(
  tx: Tx,
  ctx: RequestContext,
  who: { userId: string; tenantId: string; username: string; role: string | null },
  settings: SecuritySettings,
): Promise<string[]> {
  await store.clearFailures(tx, who.userId);
  const revoked = await store.revokeBeyondLimit(tx, who.userId, settings.sessions.maxConcurrent);
  for (const sessionId of revoked) {
    await record(tx, {
      ...actorOf(ctx),
      tenantId: who.tenantId,
      actorId: who.userId,
      actorName: who.username,
      actorRole: who.role,
      action: "auth.session.revoke",
      targetType: "Session",
      targetId: sessionId,
      result: "success",
      detail: { reason: "concurrent_limit", maxConcurrent: settings.sessions.maxConcurrent },
    });
  }
  return revoked;
}
