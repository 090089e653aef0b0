import { rateLimit } from "express-rate-limit";
import { recordHeartbeat } from "../../../monitors/push";
import { actorOf, record } from "../audit/record";
import type { Db } from "../db/pool";
import { withTx } from "../db/tx";
import { assertVersion, optionalIfMatch, setEtag } from "../http/concurrency";
import type { RequestContext } from "../http/context";
import { Invalid, NotFound, TooManyRequests, Unauthorized } from "../http/errors";
import { sendProblem, toProblem } from "../http/problem";
import { PostgresRateLimitStore } from "../http/rate-limit-store";
import type { RouteTable } from "../http/route";
import { z } from "../http/zod";
import { newPushCredential, PUSH_TOKEN_HASH_KEY, pushTokenDigest, pushTokenHashOf, pushTokenValid } from "./secrets";

/**
 * Push (heartbeat) monitors over HTTP (docs/monitors.md, "Push monitors"): the endpoint apps call,
 * public but token-checked, on every API instance; and the sysadmin's "rotate token" route.
 *
 * The token is accepted as `?token=` or in the `X-Tianshu-Push-Token` header — not as
 * `Authorization: Bearer`, which the API reads as API client credentials (authz/client-auth.ts).
 */
export const PUSH_PATH_PREFIX = "/api/v1/push";
export const PUSH_TOKEN_HEADER = "x-tianshu-push-token";
/** Failed push calls (bad token, unknown or paused monitor, bad input) per client address per minute. */
export const PUSH_FAILURES_PER_MINUTE = 60;

const Uuid = z.uuid();
const PushParams = z.strictObject({ monitorId: Uuid });
const PushQuery = z.strictObject({
  token: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe("The monitor's push token (or the X-Tianshu-Push-Token header)"),
  status: z.enum(["up", "down"]).default("up").describe("down: the app reports itself failed (push-reported-down)"),
  msg: z.string().max(500).optional().describe("A short message stored with the result"),
  latency: z.coerce.number().min(0).max(3_600_000).optional().describe("Milliseconds the app measured, if any"),
  ping: z.coerce.number().min(0).max(3_600_000).optional().describe("Alias of latency (Uptime Kuma's name)"),
});
/** The same fields as a JSON body of a POST (the token stays in the query or header). */
const PushBody = z.strictObject({
  status: z.enum(["up", "down"]).optional(),
  msg: z.string().max(500).optional(),
  latency: z.number().min(0).max(3_600_000).optional(),
  ping: z.number().min(0).max(3_600_000).optional(),
});
const PushAnswer = z
  .strictObject({ ok: z.literal(true), state: z.enum(["up", "down"]), at: z.iso.datetime() })
  .openapi("PushAnswer");
const PushCredential = z
  .strictObject({
    token: z.string().describe("Shown once: only its SM3 digest is stored"),
    path: z.string().describe("Where the app sends heartbeats, with ?token= or the X-Tianshu-Push-Token header"),
    version: z.number().int(),
  })
  .openapi("PushCredential");

const notFound = () =>
  // One answer for unknown, paused, not-push and wrong token: nothing tells them apart.
  new NotFound(
    "PUSH_NOT_FOUND",
    "No active push monitor with this id and token.",
    "没有与该编号和令牌匹配的推送监控项（不存在、已暂停或令牌错误）。",
  );

/** Compared against when no monitor matched, so the answer takes the same time either way. */
const DUMMY_DIGEST = pushTokenDigest("no such push monitor");

/**
 * Rate limit on failed push calls, counted in PostgreSQL across instances like the sign-in limit
 * (app.ts): successful heartbeats are not counted (skipSuccessfulRequests), so an app with many push
 * monitors is never throttled, while guessing tokens or ids is.
 */
export function pushRateLimit(db: Db, perMinute = PUSH_FAILURES_PER_MINUTE) {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    store: new PostgresRateLimitStore(db, "push:"),
    skipSuccessfulRequests: true,
    standardHeaders: "draft-8",
    legacyHeaders: false,
    handler: (req, res) =>
      sendProblem(
        res,
        toProblem(
          new TooManyRequests(
            "RATE_LIMITED",
            "Too many failed push calls; wait a minute.",
            "推送失败次数过多，请一分钟后再试。",
          ),
          req.originalUrl,
        ),
      ),
  });
}

export function registerPushRoutes(routes: RouteTable, db: Db): void {
  for (const method of ["get", "post"] as const) {
    routes.add({
      method,
      path: `${PUSH_PATH_PREFIX}/:monitorId`,
      operationId: method === "get" ? "pushHeartbeatGet" : "pushHeartbeat",
      summary:
        "Heartbeat of a push monitor (token in ?token= or X-Tianshu-Push-Token; a POST may send status, msg, latency as JSON); rate-limited on failures",
      tags: ["monitors"],
      access: { public: true },
      params: PushParams,
      query: PushQuery,
      response: { status: 200, description: "Recorded", schema: PushAnswer },
      problems: [401, 404, 429],
      async handler({ params, query: fromQuery, req }) {
        // A POST may carry the fields as JSON instead (a body that says "down" must not read as up).
        let query = fromQuery;
        if (method === "post" && req.is("application/json") && req.body !== undefined) {
          const parsed = PushBody.safeParse(req.body);
          if (!parsed.success) {
            throw new Invalid(
              "VALIDATION_FAILED",
              "The heartbeat body is not valid: status (up|down), msg (≤ 500), latency or ping (ms).",
              "心跳请求体无效：status（up|down）、msg（≤ 500 字）、latency 或 ping（毫秒）。",
              parsed.error.issues.map((i) => ({
                path: ["body", ...i.path.map(String)].join("."),
                message: i.message,
                zh: "取值无效",
              })),
            );
          }
          query = { ...fromQuery, ...parsed.data };
        }
        const token = req.get(PUSH_TOKEN_HEADER) ?? query.token;
        if (!token) {
          throw new Unauthorized(
            "PUSH_TOKEN_REQUIRED",
            "A push token is required: ?token= or the X-Tianshu-Push-Token header.",
            "缺少推送令牌：请使用 ?token= 参数或 X-Tianshu-Push-Token 请求头。",
          );
        }
        const row = await db
          .selectFrom("monitors")
          .select(["id", "type", "paused", "definition"])
          .where("id", "=", params.monitorId)
          .executeTakeFirst();
        const digest = row && row.type === "push" && !row.paused ? pushTokenHashOf(row.definition) : undefined;
        const valid = pushTokenValid(token, digest ?? DUMMY_DIGEST);
        if (!digest || !valid) throw notFound();
        const at = Date.now();
        await recordHeartbeat(db, {
          monitorId: params.monitorId,
          at,
          state: query.status,
          message: query.msg,
          latencyMs: query.latency ?? query.ping,
        });
        return { ok: true as const, state: query.status, at: new Date(at).toISOString() };
      },
    });
  }

  routes.add({
    method: "post",
    path: "/api/v1/monitors/:id/push-token",
    operationId: "rotateMonitorPushToken",
    summary: "New push token for a push monitor (the old one stops working at once; If-Match optional)",
    tags: ["monitors"],
    access: { ability: { action: "update", subject: "Monitor" } },
    params: z.strictObject({ id: Uuid }),
    response: { status: 200, description: "The new token, shown once", schema: PushCredential },
    problems: [404, 409],
    async handler({ params, ctx, req, res }) {
      const out = await rotatePushToken(db, ctx, params.id, optionalIfMatch(req));
      setEtag(res, out.version);
      return out;
    },
  });
}

/** Replaces a push monitor's token digest; audited; the token is returned once. */
export async function rotatePushToken(
  db: Db,
  ctx: RequestContext,
  id: string,
  version: number | undefined,
): Promise<{ token: string; path: string; version: number }> {
  const p = ctx.principal;
  if (!p) throw new Unauthorized("UNAUTHENTICATED", "Sign in first.", "请先登录。");
  const missing = () => new NotFound("MONITOR_NOT_FOUND", "No such push monitor.", "推送监控项不存在。");
  return withTx(db, async (tx) => {
    const row = await tx
      .selectFrom("monitors")
      .select(["id", "name", "type", "version", "definition"])
      .where("id", "=", id)
      .where("tenant_id", "=", p.tenantId)
      .forUpdate()
      .executeTakeFirst();
    if (!row || row.type !== "push") throw missing();
    assertVersion("monitor", row.version, version);
    const credential = newPushCredential();
    const definition = { ...row.definition, [PUSH_TOKEN_HASH_KEY]: credential.hash };
    const updated = await tx
      .updateTable("monitors")
      // updated_at stays: the silence clock (monitors/push.ts) is not restarted by a new token.
      .set((eb) => ({ definition: JSON.stringify(definition), version: eb("version", "+", 1), updated_by: p.userId }))
      .where("id", "=", id)
      .returning("version")
      .executeTakeFirstOrThrow();
    await record(tx, {
      ...actorOf(ctx),
      action: "monitor.pushToken.rotate",
      targetType: "Monitor",
      targetId: id,
      result: "success",
      detail: { name: row.name, version: updated.version },
    });
    return { token: credential.token, path: `${PUSH_PATH_PREFIX}/${id}`, version: updated.version };
  });
}
