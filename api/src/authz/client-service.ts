import crypto from "node:crypto";
import { actorOf, record } from "../audit/record";
import { sm3 } from "../crypto/sm";
import type { Bus } from "../db/bus";
import type { Db } from "../db/pool";
import { withTx } from "../db/tx";
import type { ApiClientPrincipal, RequestContext } from "../http/context";
import { Conflict, NotFound } from "../http/errors";
import type { Page } from "../http/list";
import type { ApiClientScope } from "../http/route";
import * as store from "./client-store";
import type { AclGuard } from "./integrity";

export type { ApiClientPrincipal };

export interface ApiClientService {
  list(
    ctx: RequestContext,
    filter: { status?: "active" | "revoked" | undefined },
    page: Page<keyof typeof store.CLIENT_SORT>,
  ): Promise<{ rows: store.ApiClientRow[]; total: number }>;
  get(ctx: RequestContext, id: string): Promise<store.ApiClientRow>;
  create(
    ctx: RequestContext,
    input: { name: string; scopes: ApiClientScope[] },
  ): Promise<{ client: store.ApiClientRow; secret: string }>;
  revoke(ctx: RequestContext, id: string): Promise<void>;
  /** `<id>.<secret>` from an Authorization: Bearer header → the client, or null. */
  authenticate(token: string): Promise<ApiClientPrincipal | null>;
}

const CHANNEL = "tianshu_api_clients";
const TOKEN = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{43})$/;
const CACHE_MS = 60_000;
const TOUCH_MS = 60_000;

const digest = (secret: string) => sm3(secret).toString("hex");
const notFound = () => new NotFound("API_CLIENT_NOT_FOUND", "No such API client.", "API 客户端不存在。");

/**
 * API clients: credentials for business apps calling the PDP (scope `authz:check`) or reading the org
 * change feed (`org:read`); the scopes are fixed at creation. The secret is 256 random bits, shown
 * once; only its SM3 digest is stored. Verified credentials are cached briefly per process; a
 * revocation is announced on the bus so every instance forgets the client at once (while the bus is
 * down nothing is cached).
 */
export function createApiClientService(deps: { db: Db; bus: Bus; guard: AclGuard }): ApiClientService {
  const { db, bus, guard } = deps;
  const verified = new Map<string, { digest: string; client: ApiClientPrincipal; until: number }>();
  const touched = new Map<string, number>();
  bus.subscribe(CHANNEL, (id) => verified.delete(id));
  bus.onResync(() => verified.clear());

  const principalOf = (ctx: RequestContext) => {
    if (!ctx.principal) throw new Error("api client service reached without a principal");
    return ctx.principal;
  };

  return {
    list: (ctx, filter, page) => store.listClients(db, principalOf(ctx).tenantId, filter, page),

    async get(ctx, id) {
      const client = await store.findClient(db, principalOf(ctx).tenantId, id);
      if (!client) throw notFound();
      return client;
    },

    async create(ctx, input) {
      const p = principalOf(ctx);
      const id = crypto.randomUUID();
      const secret = crypto.randomBytes(32).toString("base64url");
      const client = await withTx(db, async (tx) => {
        const row = await store.insertClient(tx, guard.integrity, {
          id,
          tenantId: p.tenantId,
          name: input.name,
          scopes: input.scopes,
          secretHash: digest(secret),
          createdBy: p.userId,
        });
        await record(tx, {
          ...actorOf(ctx),
          action: "apiClient.create",
          targetType: "ApiClient",
          targetId: id,
          result: "success",
          detail: { after: { name: row.name, scopes: row.scopes } },
        });
        return row;
      });
      return { client, secret: `${id}.${secret}` };
    },

    async revoke(ctx, id) {
      const p = principalOf(ctx);
      await withTx(db, async (tx) => {
        const client = await store.findClient(tx, p.tenantId, id, { forUpdate: true });
        if (!client) throw notFound();
        if (client.revokedAt) {
          throw new Conflict("API_CLIENT_REVOKED", "This API client is already revoked.", "该 API 客户端已吊销。");
        }
        await store.revokeClient(tx, guard.integrity, id);
        await record(tx, {
          ...actorOf(ctx),
          action: "apiClient.revoke",
          targetType: "ApiClient",
          targetId: id,
          result: "success",
          detail: { before: { name: client.name, lastUsedAt: client.lastUsedAt?.toISOString() ?? null } },
        });
      });
      verified.delete(id);
      await bus.publish(CHANNEL, id).catch(() => {});
    },

    async authenticate(token) {
      const m = TOKEN.exec(token);
      if (!m) return null;
      const [, id = "", secret = ""] = m;
      const d = digest(secret);
      const now = Date.now();
      const cached = verified.get(id);
      let client: ApiClientPrincipal | null = null;
      if (cached && cached.until > now && bus.listening) {
        if (crypto.timingSafeEqual(Buffer.from(cached.digest), Buffer.from(d))) client = cached.client;
      } else {
        const found = await store.credentialOf(db, id, guard);
        if (found && crypto.timingSafeEqual(Buffer.from(found.secretHash), Buffer.from(d))) {
          const { id: cid, tenantId, name, scopes } = found.client;
          client = { id: cid, tenantId, name, scopes };
          verified.set(id, { digest: d, client, until: now + CACHE_MS });
        } else {
          verified.delete(id);
        }
      }
      if (client && (touched.get(id) ?? 0) + TOUCH_MS < now) {
        touched.set(id, now);
        await store.touchClient(db, id);
      }
      return client;
    },
  };
}
