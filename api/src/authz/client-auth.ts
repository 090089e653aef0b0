import type { RequestHandler } from "express";
import { record } from "../audit/record";
import type { DbOrTx } from "../db/pool";
import { Unauthorized } from "../http/errors";
import type { ApiClientService } from "./client-service";

const BEARER = /^Bearer ([A-Za-z0-9._-]{1,200})$/;

const refused = () =>
  new Unauthorized(
    "INVALID_CLIENT_CREDENTIALS",
    "The API client credentials are invalid or revoked.",
    "API 客户端凭据无效或已吊销。",
  );

/**
 * Authenticates business apps by `Authorization: Bearer <client id>.<secret>` (the decision point and
 * org change feed callers).
 * A request without the header passes untouched (sessions are the cookie's business); a header
 * that does not verify is refused at once with 401 and the failure audited (client id only).
 */
export function apiClientLoader(deps: { clients: Pick<ApiClientService, "authenticate">; db: DbOrTx }): RequestHandler {
  return async (req, _res, next) => {
    const header = req.headers.authorization;
    if (header === undefined) {
      next();
      return;
    }
    const token = BEARER.exec(header)?.[1];
    const client = token ? await deps.clients.authenticate(token) : null;
    if (!client) {
      const claimedId = token?.split(".")[0]?.slice(0, 36) ?? null;
      await record(deps.db, {
        tenantId: null,
        actorId: null,
        actorName: "api-client",
        actorRole: null,
        action: "apiClient.authenticate",
        targetType: "ApiClient",
        targetId: claimedId,
        result: "failure",
        ip: req.ctx.ip,
        userAgent: req.ctx.userAgent,
        requestId: req.ctx.requestId,
        detail: { path: req.path },
      });
      throw refused();
    }
    req.ctx.apiClient = client;
    next();
  };
}
