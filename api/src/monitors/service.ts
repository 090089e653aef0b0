import crypto from "node:crypto";
import { sql } from "kysely";
import { type MonitorDefinition, parseMonitorDefinition } from "../../../monitors/config";
import { runCheck } from "../../../monitors/probes/index";
import type { ProbeResult } from "../../../monitors/probes/result";
import type { SlaReport } from "../../../monitors/sla";
import { markUnknown } from "../../../monitors/store";
import { slaForMonitors } from "../../../monitors/sla-store";
import { actorOf, record } from "../audit/record";
import type { Db, DbOrTx } from "../db/pool";
import { withTx } from "../db/tx";
import type { RequestContext } from "../http/context";
import { assertVersion } from "../http/concurrency";
import { Invalid, NotFound, Unauthorized } from "../http/errors";
import type { Page } from "../http/list";
import { assertAppExists } from "./apps";
import type { MONITOR_SORTABLE } from "./schemas";
import {
  newPushCredential,
  openDefinition,
  pushTokenHashOf,
  type SecretCipher,
  sealDefinition,
  unmaskDefinition,
} from "./secrets";
import { type MonitorStatusView, type MonitorView, type Row, selectMonitors, viewOf } from "./views";
import { likeContains } from "../db/like";

export interface MonitorFilter {
  q?: string | undefined;
  type?: MonitorDefinition["type"] | undefined;
  paused?: "true" | "false" | undefined;
  tag?: string | undefined;
  appId?: string | undefined;
  owner?: string | undefined;
  state?: MonitorStatusView["state"] | undefined;
}

export interface MonitorService {
  list(
    ctx: RequestContext,
    filter: MonitorFilter,
    page: Page<(typeof MONITOR_SORTABLE)[number]>,
  ): Promise<{ items: MonitorView[]; total: number }>;
  get(ctx: RequestContext, id: string): Promise<MonitorView>;
  /** A push monitor's view carries its new token, `pushToken`, here only (secrets.ts). */
  create(ctx: RequestContext, input: unknown): Promise<MonitorView & { pushToken?: string }>;
  update(
    ctx: RequestContext,
    id: string,
    version: number,
    input: unknown,
  ): Promise<MonitorView & { pushToken?: string }>;
  remove(ctx: RequestContext, id: string, version: number): Promise<void>;
  setPaused(ctx: RequestContext, id: string, paused: boolean, version: number | undefined): Promise<MonitorView>;
  /** Runs the probe once now; the result is returned, not stored. */
  testNow(ctx: RequestContext, id: string): Promise<ProbeResult>;
  sla(ctx: RequestContext, id: string, from: Date, to: Date, target: number): Promise<SlaReport>;
  /** Called after every change, so this instance's scheduler picks it up at once (server.ts). */
  onChange(listener: () => void): void;
}

const notFound = () => new NotFound("MONITOR_NOT_FOUND", "No such monitor.", "监控项不存在。");
const principalOf = (ctx: RequestContext) => {
  if (!ctx.principal) throw new Unauthorized("UNAUTHENTICATED", "Sign in first.", "请先登录。");
  return ctx.principal;
};

function validDefinition(input: unknown): MonitorDefinition {
  const parsed = parseMonitorDefinition(input);
  if (parsed.ok) return parsed.monitor;
  const errors = parsed.errors.map((e) => ({ ...e, path: e.path ? `body.${e.path}` : "body" }));
  throw new Invalid(
    "MONITOR_INVALID",
    `The monitor is not valid: ${errors[0]?.path ?? "body"}: ${errors[0]?.message ?? ""}`,
    "监控项配置无效。",
    errors,
  );
}

/** What audit events keep of a definition: never headers, bodies or connection strings (they may hold secrets). */
const auditSummary = (m: MonitorDefinition) => ({
  name: m.name,
  type: m.type,
  intervalSeconds: m.intervalSeconds,
  target: "url" in m ? m.url : "host" in m ? `${m.host}:${m.port}` : "hostname" in m ? m.hostname : undefined,
});

const SORT_COLUMN = { name: "m.name", type: "m.type", createdAt: "m.created_at", updatedAt: "m.updated_at" } as const;

/** `cipher` seals the credentials of definitions at rest (secrets.ts; the field cipher in services.ts). */
export function createMonitorService(db: Db, cipher: SecretCipher): MonitorService {
  const listeners: (() => void)[] = [];
  const changed = () => listeners.forEach((l) => l());

  async function load(db: DbOrTx, tenantId: string, id: string, forUpdate = false): Promise<Row> {
    let q = selectMonitors(db, tenantId).where("m.id", "=", id);
    if (forUpdate) q = q.forUpdate(["m"]);
    const row = await q.executeTakeFirst();
    if (!row) throw notFound();
    return row;
  }

  async function audit(tx: DbOrTx, ctx: RequestContext, action: string, id: string, detail: Record<string, unknown>) {
    await record(tx, { ...actorOf(ctx), action, targetType: "Monitor", targetId: id, result: "success", detail });
  }

  return {
    onChange: (listener) => void listeners.push(listener),

    async list(ctx, f, page) {
      const p = principalOf(ctx);
      let q = selectMonitors(db, p.tenantId);
      if (f.q) q = q.where("m.name", "ilike", likeContains(f.q));
      if (f.type) q = q.where("m.type", "=", f.type);
      if (f.paused) q = q.where("m.paused", "=", f.paused === "true");
      if (f.tag) q = q.where(sql<boolean>`m.definition -> 'tags' ? ${f.tag}`);
      if (f.appId) q = q.where(sql<boolean>`m.definition ->> 'appId' = ${f.appId}`);
      if (f.owner) q = q.where(sql<boolean>`m.definition ->> 'owner' = ${f.owner}`);
      if (f.state === "unknown") q = q.where((eb) => eb.or([eb("s.state", "is", null), eb("s.state", "=", "unknown")]));
      else if (f.state) q = q.where("s.state", "=", f.state);
      const total = await q
        .clearSelect()
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .executeTakeFirst();
      const rows = await q
        .orderBy(SORT_COLUMN[page.sort], page.order)
        .orderBy("m.id")
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      return { items: rows.map(viewOf), total: Number(total?.n ?? 0) };
    },

    async get(ctx, id) {
      return viewOf(await load(db, principalOf(ctx).tenantId, id));
    },

    async create(ctx, input) {
      const p = principalOf(ctx);
      const m = validDefinition(unmaskDefinition(input, null));
      // The id is known before the insert: sealed values are bound to it (secrets.ts sealedPlace).
      const newId = crypto.randomUUID();
      const push = m.type === "push" ? newPushCredential() : undefined;
      const view = await withTx(db, async (tx) => {
        await assertAppExists(tx, p.tenantId, m.appId);
        const { id } = await tx
          .insertInto("monitors")
          .values({
            id: newId,
            tenant_id: p.tenantId,
            name: m.name,
            type: m.type,
            definition: JSON.stringify(sealDefinition(m, newId, cipher, { pushTokenHash: push?.hash })),
            created_by: p.userId,
            updated_by: p.userId,
          })
          .returning("id")
          .executeTakeFirstOrThrow();
        await audit(tx, ctx, "monitor.create", id, auditSummary(m));
        return viewOf(await load(tx, p.tenantId, id));
      });
      changed();
      return push ? { ...view, pushToken: push.token } : view;
    },

    async update(ctx, id, version, input) {
      const p = principalOf(ctx);
      let push: { token: string; hash: string } | undefined;
      const view = await withTx(db, async (tx) => {
        const before = await load(tx, p.tenantId, id, true);
        assertVersion("monitor", before.version, version);
        // Secrets come back masked from GET: the stored ones stand where the mask is (secrets.ts).
        const opened = openDefinition(before.definition, id, cipher);
        const m = validDefinition(unmaskDefinition(input, opened));
        await assertAppExists(tx, p.tenantId, m.appId);
        // A push monitor keeps its token; one that becomes push gets one, shown in this answer only.
        const kept = m.type === "push" ? pushTokenHashOf(before.definition) : undefined;
        push = m.type === "push" && !kept ? newPushCredential() : undefined;
        await tx
          .updateTable("monitors")
          .set((eb) => ({
            name: m.name,
            type: m.type,
            definition: JSON.stringify(sealDefinition(m, id, cipher, { pushTokenHash: kept ?? push?.hash })),
            version: eb("version", "+", 1),
            updated_at: new Date(),
            updated_by: p.userId,
          }))
          .where("id", "=", id)
          .execute();
        const changedKeys = Object.keys({ ...opened, ...m }).filter(
          (k) => JSON.stringify(opened[k]) !== JSON.stringify((m as Record<string, unknown>)[k]),
        );
        await audit(tx, ctx, "monitor.update", id, { ...auditSummary(m), changed: changedKeys, version: version + 1 });
        return viewOf(await load(tx, p.tenantId, id));
      });
      changed();
      return push ? { ...view, pushToken: push.token } : view;
    },

    async remove(ctx, id, version) {
      const p = principalOf(ctx);
      await withTx(db, async (tx) => {
        const before = await load(tx, p.tenantId, id, true);
        assertVersion("monitor", before.version, version);
        await tx.deleteFrom("monitors").where("id", "=", id).execute();
        // Results and transitions stay for the record (retention removes them); the state ends unknown.
        await markUnknown(tx, id, new Date(), "deleted");
        await audit(tx, ctx, "monitor.delete", id, { name: before.name, type: before.type });
      });
      changed();
    },

    async setPaused(ctx, id, paused, version) {
      const p = principalOf(ctx);
      const view = await withTx(db, async (tx) => {
        const before = await load(tx, p.tenantId, id, true);
        assertVersion("monitor", before.version, version);
        if (before.paused === paused) return viewOf(before);
        await tx
          .updateTable("monitors")
          .set((eb) => ({ paused, version: eb("version", "+", 1), updated_at: new Date(), updated_by: p.userId }))
          .where("id", "=", id)
          .execute();
        // Paused time is unknown to the SLA: neither up nor down. Resuming waits for the next result.
        if (paused) await markUnknown(tx, id, new Date(), "paused");
        await audit(tx, ctx, paused ? "monitor.pause" : "monitor.resume", id, { name: before.name });
        return viewOf(await load(tx, p.tenantId, id));
      });
      changed();
      return view;
    },

    async testNow(ctx, id) {
      const p = principalOf(ctx);
      const row = await load(db, p.tenantId, id);
      const m = validDefinition(openDefinition(row.definition, id, cipher));
      if (m.type === "push") {
        throw new Invalid(
          "MONITOR_NOT_PROBED",
          "A push monitor is not probed: the app calls in.",
          "推送类监控项无需主动探测，由应用上报心跳。",
        );
      }
      const worstMs = (m.retries + 1) * m.timeoutMs + m.retries * m.retryDelayMs;
      const result = await runCheck(m, AbortSignal.timeout(worstMs + 1_000));
      await audit(db, ctx, "monitor.test", id, { name: m.name, state: result.state, reason: result.reason });
      return result;
    },

    async sla(ctx, id, from, to, target) {
      const p = principalOf(ctx);
      await load(db, p.tenantId, id);
      // The monitor's maintenance windows and its app's leave the denominator (sla-store.ts).
      const reports = await slaForMonitors(db, [id], { from, to }, target);
      return reports.get(id) as SlaReport;
    },
  };
}
