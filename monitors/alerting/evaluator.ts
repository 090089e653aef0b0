/**
 * The alert evaluator (docs/monitors.md, "Alerts"): a leader job that, every few seconds, judges the
 * enabled warning rules against what is stored — monitor_status and results, transitions, the
 * certificates, the business signals — and keeps the `alerts` table in step: a new condition opens
 * an alert (notified to the rule's channels unless silenced, and an incident opened when the rule
 * says so, in the same transaction), a condition still there updates it, one gone resolves it.
 *
 * - Monitors in a maintenance window raise no alerts; a failure whose root cause (a failed
 *   dependency, alerts.ts rootCause) is in maintenance neither.
 * - With the identity service down, its dependents' failures are one alert for it, listing them.
 * - Idempotent across leader changes: the unique index on open fingerprints makes a second insert of
 *   the same alert a no-op (and then nothing is notified twice).
 * - Signals are read by id (a cursor) into sliding windows in memory (signals.ts); a new leader, or a
 *   rule changed, rebuilds its windows from the table.
 */
import { sql } from "kysely";
import type { Logger } from "pino";
import { record } from "../../api/src/audit/record";
import type { Db, DbOrTx } from "../../api/src/db/pool";
import { fingerprint, isSilenced, type Labels, rootCause, type Silence } from "../alerts";
import { loadDependencyGraph } from "../dependencies-store";
import { openIncident } from "../incident-store";
import type { LeaderJob, LeaderJobContext } from "../jobs";
import { startPeriodic } from "../periodic";
import { maintenanceIntervalsFor, monitorsInMaintenance } from "../maintenance-store";
import { enqueueNotification } from "../notify/outbox";
import { SlidingWindowCounter } from "../signals";
import { burnRate } from "../sla";
import { transitionsIn } from "../store";
import { CERT_REFRESH_MS, CERT_RETRY_MS, readCertificate, saveCertificate } from "./certificates";
import { type AlertCategory, type AlertSeverity, parseRuleParams, type RuleParams, selects } from "./rules";

export const EVALUATION_INTERVAL_MS = 5_000;
/** Categories that read more than the status table are judged at most this often. */
export const SLOW_CATEGORY_MS: Partial<Record<AlertCategory, number>> = {
  latency: 30_000,
  burn_rate: 60_000,
  cert_expiry: 60_000,
};
/** Signals newer than this are left for the next round (an insert whose id came first may commit later). */
export const SIGNAL_SETTLE_MS = 2_000;
/** At most this many alerts per rule (a signal rule over many keys). */
export const MAX_ALERTS_PER_RULE = 500;
const SIGNAL_BATCH = 50_000;
const MIN_SIGNAL_RETENTION_MS = 3600_000;
const DAY_MS = 86_400_000;

interface RuleRow {
  id: string;
  tenant_id: string;
  name: string;
  category: AlertCategory;
  params: Record<string, unknown>;
  severity: AlertSeverity;
  channel_ids: string[];
  incident_grade: "I" | "II" | "III" | "IV" | null;
  version: number;
}

interface MonitorInfo {
  id: string;
  tenantId: string;
  name: string;
  type: string;
  tags: string[];
  appId: string | null;
  url: string | null;
  ca: string[] | undefined;
}

interface OpenAlert {
  id: string;
  tenant_id: string;
  rule_id: string | null;
  rule_name: string;
  fingerprint: string;
  labels: Record<string, string>;
  severity: AlertSeverity;
  silenced: boolean;
  summary: string;
  summary_zh: string;
}

/** A condition a rule finds: one alert per identity. */
export interface Condition {
  identity: Labels;
  /** Identity and descriptive labels: what silences match and lists show. */
  labels: Record<string, string>;
  summary: string;
  summaryZh: string;
  value: number | null;
  rootMonitorId?: string;
  dependents?: string[];
}

interface World {
  now: Date;
  monitors: MonitorInfo[];
  byId: Map<string, MonitorInfo>;
  status: Map<string, { state: string; since: Date }>;
  down: Set<string>;
  maintenance: Set<string>;
  graph: Map<string, string[]>;
  downChecks: Map<string, number> | null;
}

interface SignalWindow {
  version: number;
  tenantId: string;
  name: string;
  windowMs: number;
  counter: SlidingWindowCounter;
  over: Map<string, number>;
}

export interface AlertEvaluator {
  /** One round at `now` (default: the clock); returns what changed. */
  round(now?: Date): Promise<RoundStats>;
}

export interface RoundStats {
  fired: number;
  updated: number;
  resolved: number;
  notified: number;
  /** Rules whose judging failed this round (logged). */
  failed: number;
}

export interface EvaluatorOptions {
  db: Db;
  logger: Logger;
  isLeader?: () => boolean;
  /** Read the certificates of watched HTTPS monitors (default true; tests store them by hand). */
  readCertificates?: boolean;
  /** Judge slow categories every round (tests). */
  noThrottle?: boolean;
}

const iso = (d: Date) => d.toISOString();
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function createAlertEvaluator(opts: EvaluatorOptions): AlertEvaluator {
  const { db, logger } = opts;
  const isLeader = opts.isLeader ?? (() => true);
  const lastJudged = new Map<string, number>();
  /** Per rule, the fingerprints that had an alert (or were resolved by hand) after the last round. */
  const present = new Map<string, Set<string>>();
  const signals = new Map<string, SignalWindow>();
  let signalCursor = "0";
  let lastSignalCleanup = 0;

  async function loadWorld(now: Date): Promise<World> {
    const rows = await db
      .selectFrom("monitors")
      .select(["id", "tenant_id", "name", "type", "definition"])
      .where("paused", "=", false)
      .execute();
    const monitors: MonitorInfo[] = rows.map((r) => {
      const d = r.definition as { tags?: string[]; appId?: string; url?: string; ca?: string };
      return {
        id: r.id,
        tenantId: r.tenant_id,
        name: r.name,
        type: r.type,
        tags: Array.isArray(d.tags) ? d.tags : [],
        appId: typeof d.appId === "string" ? d.appId : null,
        url: typeof d.url === "string" ? d.url : null,
        ca: typeof d.ca === "string" ? [d.ca] : undefined,
      };
    });
    const status = new Map(
      (await db.selectFrom("monitor_status").select(["monitor_id", "state", "since"]).execute()).map((s) => [
        s.monitor_id,
        { state: s.state, since: s.since },
      ]),
    );
    const byId = new Map(monitors.map((m) => [m.id, m]));
    const down = new Set([...status].filter(([id, s]) => s.state === "down" && byId.has(id)).map(([id]) => id));
    return {
      now,
      monitors,
      byId,
      status,
      down,
      maintenance: await monitorsInMaintenance(db, now),
      graph: await loadDependencyGraph(db),
      downChecks: null,
    };
  }

  const selected = (w: World, rule: RuleRow, s: Parameters<typeof selects>[0]) =>
    w.monitors.filter((m) => m.tenantId === rule.tenant_id && selects(s, m));

  const monitorLabels = (rule: RuleRow, m: MonitorInfo | undefined, id: string): Record<string, string> => ({
    rule: rule.name,
    category: rule.category,
    severity: rule.severity,
    monitor: id,
    monitor_name: m?.name ?? id,
    ...(m?.appId ? { app: m.appId } : {}),
    ...(m?.tags.length ? { tags: m.tags.join(",") } : {}),
  });

  /** How many results each down monitor has had since it went down (capped at 100). */
  async function downChecks(w: World): Promise<Map<string, number>> {
    if (w.downChecks) return w.downChecks;
    const ids = [...w.down];
    w.downChecks = new Map();
    if (ids.length === 0) return w.downChecks;
    const { rows } = await sql<{ monitor_id: string; n: number }>`
      SELECT s.monitor_id,
             (SELECT count(*) FROM (SELECT 1 FROM monitor_results r
                WHERE r.monitor_id = s.monitor_id AND r.at >= s.since LIMIT 100) x)::int AS n
      FROM monitor_status s WHERE s.monitor_id = ANY(${ids}::uuid[])`.execute(db);
    for (const r of rows) w.downChecks.set(r.monitor_id, Number(r.n));
    return w.downChecks;
  }

  async function monitorState(w: World, rule: RuleRow, p: RuleParams["monitor_state"]): Promise<Condition[]> {
    const nowMs = w.now.getTime();
    const failing = selected(w, rule, p.selector).filter((m) => {
      const s = w.status.get(m.id);
      return w.down.has(m.id) && !w.maintenance.has(m.id) && s && nowMs - s.since.getTime() >= p.forMinutes * 60_000;
    });
    let passing = failing;
    if (p.forChecks > 1 && failing.length > 0) {
      const checks = await downChecks(w);
      passing = failing.filter((m) => (checks.get(m.id) ?? 0) >= p.forChecks);
    }
    const groups = new Map<string, string[]>();
    for (const m of passing) {
      const root = rootCause(m.id, w.down, w.graph);
      groups.set(root, [...(groups.get(root) ?? []), m.id]);
    }
    const out: Condition[] = [];
    for (const [root, members] of groups) {
      if (w.maintenance.has(root)) continue; // the cause is being worked on
      const m = w.byId.get(root);
      const name = m?.name ?? root;
      const dependents = members.filter((id) => id !== root).sort();
      const names = dependents.map((id) => w.byId.get(id)?.name ?? id);
      const since = w.status.get(root)?.since;
      out.push({
        identity: { monitor: root },
        labels: monitorLabels(rule, m, root),
        summary:
          `${name} is down${since ? ` since ${iso(since)}` : ""}` +
          (dependents.length
            ? `; ${plural(dependents.length, "dependent fails", "dependents fail")} with it: ${names.join(", ")}`
            : ""),
        summaryZh:
          `${name} 不可用${since ? `（自 ${iso(since)} 起）` : ""}` +
          (dependents.length ? `；依赖它的 ${dependents.length} 个监控项随之失败：${names.join("、")}` : ""),
        value: null,
        rootMonitorId: root,
        dependents,
      });
    }
    return out;
  }

  async function latency(w: World, rule: RuleRow, p: RuleParams["latency"]): Promise<Condition[]> {
    const mons = selected(w, rule, p.selector).filter((m) => !w.maintenance.has(m.id));
    if (mons.length === 0) return [];
    const from = new Date(w.now.getTime() - p.windowMinutes * 60_000);
    const { rows } = await sql<{ monitor_id: string; v: number; n: number }>`
      SELECT monitor_id, percentile_cont(${p.percentile / 100}::float8) WITHIN GROUP (ORDER BY latency_ms) AS v,
             count(*)::int AS n
      FROM monitor_results
      WHERE monitor_id = ANY(${mons.map((m) => m.id)}::uuid[]) AND at >= ${from} AND at <= ${w.now} AND state <> 'down'
      GROUP BY monitor_id`.execute(db);
    const out: Condition[] = [];
    for (const r of rows) {
      const v = Number(r.v);
      if (Number(r.n) < p.minSamples || !(v > p.thresholdMs)) continue;
      const m = w.byId.get(r.monitor_id);
      const name = m?.name ?? r.monitor_id;
      out.push({
        identity: { monitor: r.monitor_id },
        labels: monitorLabels(rule, m, r.monitor_id),
        summary: `${name}: p${p.percentile} latency ${Math.round(v)} ms over the last ${p.windowMinutes} min (threshold ${p.thresholdMs} ms)`,
        summaryZh: `${name}：最近 ${p.windowMinutes} 分钟 p${p.percentile} 响应时间 ${Math.round(v)} 毫秒，超过阈值 ${p.thresholdMs} 毫秒`,
        value: v,
        rootMonitorId: r.monitor_id,
      });
    }
    return out;
  }

  async function burn(w: World, rule: RuleRow, p: RuleParams["burn_rate"]): Promise<Condition[]> {
    const mons = selected(w, rule, p.selector).filter((m) => !w.maintenance.has(m.id));
    if (mons.length === 0) return [];
    const nowMs = w.now.getTime();
    const longest = Math.max(...p.windows.map((x) => x.longMinutes)) * 60_000;
    const from = new Date(nowMs - longest);
    const maint = await maintenanceIntervalsFor(
      db,
      mons.map((m) => m.id),
      from,
      w.now,
    );
    const out: Condition[] = [];
    for (const m of mons) {
      const transitions = await transitionsIn(db, m.id, from, w.now);
      if (transitions.length === 0) continue;
      const intervals = maint.get(m.id) ?? [];
      const firing = p.windows
        .map((x) => ({
          ...x,
          long: burnRate(transitions, nowMs, x.longMinutes * 60_000, intervals, p.target),
          short: burnRate(transitions, nowMs, x.shortMinutes * 60_000, intervals, p.target),
        }))
        .filter((x) => x.long > x.burnRate && x.short > x.burnRate);
      if (firing.length === 0) continue;
      const worst = firing.reduce((a, b) => (b.burnRate > a.burnRate ? b : a));
      const r2 = (n: number) => Math.round(n * 10) / 10;
      out.push({
        identity: { monitor: m.id },
        labels: monitorLabels(rule, m, m.id),
        summary: `${m.name}: error budget burning ${r2(worst.long)}× over ${worst.longMinutes} min and ${r2(worst.short)}× over ${worst.shortMinutes} min (threshold ${worst.burnRate}×, target ${p.target})`,
        summaryZh: `${m.name}：错误预算消耗速率 ${worst.longMinutes} 分钟内 ${r2(worst.long)} 倍、${worst.shortMinutes} 分钟内 ${r2(worst.short)} 倍，超过阈值 ${worst.burnRate} 倍（目标 ${p.target}）`,
        value: worst.long,
        rootMonitorId: m.id,
      });
    }
    return out;
  }

  const httpsMonitors = (w: World, rule: RuleRow, p: RuleParams["cert_expiry"]) =>
    selected(w, rule, p.selector).filter((m) => m.type === "http" && m.url?.startsWith("https:"));

  async function certExpiry(w: World, rule: RuleRow, p: RuleParams["cert_expiry"]): Promise<Condition[]> {
    const mons = httpsMonitors(w, rule, p).filter((m) => !w.maintenance.has(m.id));
    if (mons.length === 0) return [];
    const certs = await db
      .selectFrom("monitor_certificates")
      .select(["monitor_id", "valid_to"])
      .where(
        "monitor_id",
        "in",
        mons.map((m) => m.id),
      )
      .execute();
    const out: Condition[] = [];
    for (const c of certs) {
      if (!c.valid_to) continue;
      const days = Math.floor((c.valid_to.getTime() - w.now.getTime()) / DAY_MS);
      if (days > p.daysLeft) continue;
      const m = w.byId.get(c.monitor_id);
      const name = m?.name ?? c.monitor_id;
      const expired = c.valid_to.getTime() <= w.now.getTime();
      out.push({
        identity: { monitor: c.monitor_id },
        labels: monitorLabels(rule, m, c.monitor_id),
        summary: expired
          ? `${name}: the certificate expired on ${iso(c.valid_to)}`
          : `${name}: the certificate expires in ${plural(days, "day", "days")} (${iso(c.valid_to)}; threshold ${p.daysLeft})`,
        summaryZh: expired
          ? `${name}：证书已于 ${iso(c.valid_to)} 过期`
          : `${name}：证书将在 ${days} 天后过期（${iso(c.valid_to)}，阈值 ${p.daysLeft} 天）`,
        value: days,
        rootMonitorId: c.monitor_id,
      });
    }
    return out;
  }

  /** Reads the certificates of watched HTTPS monitors that are due, a few per round. */
  async function refreshCertificates(w: World, rules: RuleRow[]): Promise<void> {
    const watched = new Map<string, MonitorInfo>();
    for (const rule of rules) {
      const parsed = rule.category === "cert_expiry" ? parseRuleParams(rule.category, rule.params) : null;
      if (parsed?.category !== "cert_expiry") continue;
      for (const m of httpsMonitors(w, rule, parsed.params)) watched.set(m.id, m);
    }
    if (watched.size === 0) return;
    const known = new Map(
      (
        await db
          .selectFrom("monitor_certificates")
          .select(["monitor_id", "checked_at", "error"])
          .where("monitor_id", "in", [...watched.keys()])
          .execute()
      ).map((c) => [c.monitor_id, c]),
    );
    const nowMs = w.now.getTime();
    const due = [...watched.values()]
      .filter((m) => {
        const c = known.get(m.id);
        return !c || nowMs - c.checked_at.getTime() >= (c.error ? CERT_RETRY_MS : CERT_REFRESH_MS);
      })
      .slice(0, 4);
    await Promise.all(
      due.map(async (m) => {
        const facts = await readCertificate(m.url as string, 5_000, m.ca);
        if (isLeader()) await saveCertificate(db, m.id, facts, new Date());
      }),
    );
  }

  /** Feeds new signals into the rules' windows; returns each signal rule's keys over its threshold. */
  async function signalConditions(now: Date, rules: RuleRow[]): Promise<Map<string, Condition[]>> {
    const signalRules = rules.flatMap((r) => {
      const parsed = r.category === "signal" ? parseRuleParams("signal", r.params) : null;
      return parsed?.category === "signal" ? [{ rule: r, p: parsed.params }] : [];
    });
    const live = new Set(signalRules.map((s) => s.rule.id));
    for (const id of signals.keys()) if (!live.has(id)) signals.delete(id);
    const nowMs = now.getTime();
    const settled = new Date(nowMs - SIGNAL_SETTLE_MS);
    // A new or changed rule (or a new leader) rebuilds its window from the rows already passed.
    for (const { rule, p } of signalRules) {
      const had = signals.get(rule.id);
      if (had && had.version === rule.version) continue;
      const win: SignalWindow = {
        version: rule.version,
        tenantId: rule.tenant_id,
        name: p.signal,
        windowMs: p.windowMinutes * 60_000,
        counter: new SlidingWindowCounter({ threshold: p.threshold, windowMs: p.windowMinutes * 60_000 }),
        over: new Map(),
      };
      signals.set(rule.id, win);
      if (signalCursor === "0") continue; // the first read below replays everything
      const rows = await db
        .selectFrom("alert_signals")
        .select(["key", "value", "at"])
        .where("tenant_id", "=", rule.tenant_id)
        .where("name", "=", p.signal)
        .where("at", ">=", new Date(nowMs - win.windowMs))
        .where(sql<boolean>`id <= ${signalCursor}::bigint`)
        .orderBy("at")
        .limit(SIGNAL_BATCH * 4)
        .execute();
      for (const r of rows) feed(win, r.key, r.at.getTime(), r.value, nowMs);
    }
    if (signalRules.length > 0) {
      for (;;) {
        const rows = await db
          .selectFrom("alert_signals")
          .select(["id", "tenant_id", "name", "key", "value", "at"])
          .where(sql<boolean>`id > ${signalCursor}::bigint`)
          .where("received_at", "<=", settled)
          .orderBy("id")
          .limit(SIGNAL_BATCH)
          .execute();
        for (const r of rows) {
          for (const win of signals.values()) {
            if (win.name === r.name && win.tenantId === r.tenant_id) feed(win, r.key, r.at.getTime(), r.value, nowMs);
          }
        }
        if (rows.length > 0) signalCursor = String((rows[rows.length - 1] as { id: string }).id);
        if (rows.length < SIGNAL_BATCH) break;
      }
    } else {
      // No signal rule: nothing to count, but the cursor moves on (so old rows can be deleted) and a
      // later rule starts from here (its rebuild reads back over its window).
      const last = await db
        .selectFrom("alert_signals")
        .select((eb) => eb.fn.max("id").as("id"))
        .where("received_at", "<=", settled)
        .executeTakeFirst();
      signalCursor = last?.id ? String(last.id) : "0";
    }
    const out = new Map<string, Condition[]>();
    for (const { rule, p } of signalRules) {
      const win = signals.get(rule.id) as SignalWindow;
      for (const key of [...win.over.keys()]) {
        const { count, crossing } = win.counter.count(key, nowMs);
        if (crossing?.state === "resolved") win.over.delete(key);
        else win.over.set(key, count);
      }
      out.set(
        rule.id,
        [...win.over].slice(0, MAX_ALERTS_PER_RULE).map(([key, count]) => ({
          identity: { key },
          labels: { rule: rule.name, category: rule.category, severity: rule.severity, signal: p.signal, key },
          summary: `${p.signal}: ${count} from ${key} in the last ${p.windowMinutes} min (more than ${p.threshold})`,
          summaryZh: `${p.signal}：${key} 在最近 ${p.windowMinutes} 分钟内达到 ${count} 次（超过 ${p.threshold} 次）`,
          value: count,
        })),
      );
    }
    if (nowMs - lastSignalCleanup >= 60_000 && isLeader()) {
      lastSignalCleanup = nowMs;
      const longest = Math.max(MIN_SIGNAL_RETENTION_MS, ...signalRules.map((s) => s.p.windowMinutes * 60_000));
      const cut = new Date(nowMs - longest - 60_000);
      // In batches until none is left: a fixed amount per minute would fall behind a busy ingest
      // (10,000 a minute is 167 signals/s) and the table would grow without end.
      for (;;) {
        const deleted = await sql`DELETE FROM alert_signals WHERE id IN (
          SELECT id FROM alert_signals WHERE at < ${cut} AND id <= ${signalCursor}::bigint LIMIT ${SIGNAL_BATCH})`.execute(
          db,
        );
        if (Number(deleted.numAffectedRows ?? 0) < SIGNAL_BATCH || !isLeader()) break;
      }
    }
    return out;
  }

  function feed(win: SignalWindow, key: string, at: number, value: number, nowMs: number): void {
    if (at < nowMs - win.windowMs) return; // already outside the window
    const crossing = win.counter.add(key, at, value);
    if (crossing?.state === "firing") win.over.set(key, crossing.count);
    else if (crossing?.state === "resolved") win.over.delete(key);
  }

  const systemActor = { actorId: null, actorName: "system", actorRole: null } as const;

  async function fire(
    tx: DbOrTx,
    rule: RuleRow,
    c: Condition,
    fp: string,
    silences: Silence[],
    now: Date,
  ): Promise<{ fired: boolean; notified: number }> {
    const silenced = isSilenced(c.labels, silences, now.getTime());
    const inserted = await tx
      .insertInto("alerts")
      .values({
        tenant_id: rule.tenant_id,
        rule_id: rule.id,
        rule_name: rule.name,
        category: rule.category,
        fingerprint: fp,
        labels: JSON.stringify(c.labels),
        severity: rule.severity,
        summary: c.summary.slice(0, 2000),
        summary_zh: c.summaryZh.slice(0, 2000),
        value: c.value,
        first_seen: now,
        last_seen: now,
        root_monitor_id: c.rootMonitorId ?? null,
        dependents: c.dependents ?? [],
        silenced,
        incident_id: null,
        acknowledged_by: null,
        acknowledged_at: null,
        resolved_at: null,
        resolved_by: null,
        resolved_reason: null,
      })
      .onConflict((oc) => oc.column("fingerprint").where("state", "<>", "resolved").doNothing())
      .returning("id")
      .executeTakeFirst();
    if (!inserted) return { fired: false, notified: 0 }; // another evaluator (an old leader) opened it
    const { id } = inserted;
    let notified = 0;
    let incidentId: string | null = null;
    if (!silenced) {
      notified = await enqueueNotification(tx, {
        tenantId: rule.tenant_id,
        source: { kind: "alert", id },
        channelIds: rule.channel_ids,
        severity: rule.severity,
        title: { zh: `【告警】${rule.name}`, en: `[Alert] ${rule.name}` },
        text: { zh: c.summaryZh, en: c.summary },
        link: `/system/alerts?alert=${id}`,
        data: { alertId: id, ruleId: rule.id, state: "firing", labels: c.labels, dependents: c.dependents ?? [] },
      });
      if (rule.incident_grade) {
        const incident = await openIncident(
          tx,
          {
            tenantId: rule.tenant_id,
            title: `${rule.name}: ${c.labels.monitor_name ?? c.labels.key ?? ""}`.slice(0, 200),
            grade: rule.incident_grade,
            alertId: id,
            ...(c.rootMonitorId ? { monitorId: c.rootMonitorId } : {}),
            description: `${c.summaryZh}\n${c.summary}`.slice(0, 4000),
          },
          { userId: null, role: null },
        );
        incidentId = incident.id;
        await tx.updateTable("alerts").set({ incident_id: incidentId }).where("id", "=", id).execute();
      }
    }
    await record(tx, {
      tenantId: rule.tenant_id,
      ...systemActor,
      action: "alert.fire",
      targetType: "Alert",
      targetId: id,
      result: "success",
      detail: {
        rule: rule.name,
        ruleId: rule.id,
        severity: rule.severity,
        labels: c.labels,
        silenced,
        notified,
        incidentId,
      },
    });
    return { fired: true, notified };
  }

  async function resolve(
    tx: DbOrTx,
    a: OpenAlert,
    reason: "cleared" | "rule-disabled",
    channelIds: string[],
    silences: Silence[],
    now: Date,
  ): Promise<{ resolved: boolean; notified: number }> {
    const done = await tx
      .updateTable("alerts")
      .set({ state: "resolved", resolved_at: now, resolved_reason: reason, last_seen: now })
      .where("id", "=", a.id)
      .where("state", "<>", "resolved")
      .returning("id")
      .executeTakeFirst();
    if (!done) return { resolved: false, notified: 0 };
    let notified = 0;
    if (reason === "cleared" && !a.silenced && !isSilenced(a.labels, silences, now.getTime())) {
      notified = await enqueueNotification(tx, {
        tenantId: a.tenant_id,
        source: { kind: "alert", id: a.id },
        channelIds,
        severity: a.severity,
        title: { zh: `【已恢复】${a.rule_name}`, en: `[Resolved] ${a.rule_name}` },
        text: { zh: `已恢复：${a.summary_zh}`, en: `Resolved: ${a.summary}` },
        link: `/system/alerts?alert=${a.id}`,
        data: { alertId: a.id, ruleId: a.rule_id, state: "resolved", labels: a.labels },
      });
    }
    await record(tx, {
      tenantId: a.tenant_id,
      ...systemActor,
      action: "alert.resolve",
      targetType: "Alert",
      targetId: a.id,
      result: "success",
      detail: { rule: a.rule_name, reason, notified },
    });
    return { resolved: true, notified };
  }

  async function round(now = new Date()): Promise<RoundStats> {
    const stats: RoundStats = { fired: 0, updated: 0, resolved: 0, notified: 0, failed: 0 };
    const rules = (await db
      .selectFrom("alert_rules")
      .select(["id", "tenant_id", "name", "category", "params", "severity", "channel_ids", "incident_grade", "version"])
      .where("enabled", "=", true)
      .orderBy("created_at")
      .execute()) as RuleRow[];
    const open = (await db
      .selectFrom("alerts")
      .select([
        "id",
        "tenant_id",
        "rule_id",
        "rule_name",
        "fingerprint",
        "labels",
        "severity",
        "silenced",
        "summary",
        "summary_zh",
      ])
      .where("state", "<>", "resolved")
      .execute()) as OpenAlert[];
    const byRule = new Map(rules.map((r) => [r.id, r]));

    // Alerts of rules disabled or deleted meanwhile end quietly (whoever did it knows).
    for (const a of open.filter((a) => !a.rule_id || !byRule.has(a.rule_id))) {
      if (!isLeader()) return stats;
      const r = await db.transaction().execute((tx) => resolve(tx, a, "rule-disabled", [], [], now));
      if (r.resolved) stats.resolved++;
    }
    for (const id of present.keys()) if (!byRule.has(id)) present.delete(id);
    // Signals are read (and old ones deleted) even without signal rules, so the table stays small.
    const signalResults = await signalConditions(now, rules);
    if (rules.length === 0) return stats;

    const silenceRows = await db
      .selectFrom("alert_silences")
      .select(["tenant_id", "matchers", "starts_at", "ends_at"])
      .where("starts_at", "<=", now)
      .where("ends_at", ">", now)
      .execute();
    const silencesOf = (tenantId: string): Silence[] =>
      silenceRows
        .filter((s) => s.tenant_id === tenantId)
        .map((s) => ({ matchers: s.matchers, startsAt: s.starts_at.getTime(), endsAt: s.ends_at.getTime() }));

    const world = await loadWorld(now);
    if (opts.readCertificates !== false) {
      await refreshCertificates(world, rules).catch((err: Error) =>
        logger.warn({ err: err.message }, "alerts: reading certificates failed"),
      );
    }

    for (const rule of rules) {
      const parsed = parseRuleParams(rule.category, rule.params);
      if (!parsed) {
        logger.warn({ rule: rule.id }, "alerts: a stored rule no longer validates; skipped");
        continue;
      }
      const slow = SLOW_CATEGORY_MS[rule.category];
      if (slow && !opts.noThrottle) {
        const last = lastJudged.get(rule.id);
        if (last !== undefined && now.getTime() - last < slow && now.getTime() >= last) continue;
      }
      // One rule failing (a query, an incident refused) does not keep the others from being judged.
      try {
        let conditions: Condition[];
        switch (parsed.category) {
          case "monitor_state":
            conditions = await monitorState(world, rule, parsed.params);
            break;
          case "latency":
            conditions = await latency(world, rule, parsed.params);
            break;
          case "burn_rate":
            conditions = await burn(world, rule, parsed.params);
            break;
          case "cert_expiry":
            conditions = await certExpiry(world, rule, parsed.params);
            break;
          case "signal":
            conditions = signalResults.get(rule.id) ?? [];
            break;
        }
        lastJudged.set(rule.id, now.getTime());
        await reconcile(rule, conditions.slice(0, MAX_ALERTS_PER_RULE), open, silencesOf(rule.tenant_id), now, stats);
      } catch (err) {
        stats.failed++;
        logger.warn({ rule: rule.id, err: (err as Error).message }, "alerts: judging a rule failed");
      }
    }
    return stats;
  }

  async function reconcile(
    rule: RuleRow,
    conditions: Condition[],
    open: OpenAlert[],
    silences: Silence[],
    now: Date,
    stats: RoundStats,
  ): Promise<void> {
    const mine = new Map(open.filter((a) => a.rule_id === rule.id).map((a) => [a.fingerprint, a]));
    const before = present.get(rule.id) ?? new Set<string>();
    const after = new Set<string>();
    const seen = new Set<string>();
    for (const c of conditions) {
      const fp = fingerprint(rule.id, c.identity);
      seen.add(fp);
      if (!isLeader()) return;
      const existing = mine.get(fp);
      if (existing) {
        await db
          .updateTable("alerts")
          .set((eb) => ({
            last_seen: now,
            count: eb("count", "+", 1),
            value: c.value,
            summary: c.summary.slice(0, 2000),
            summary_zh: c.summaryZh.slice(0, 2000),
            dependents: c.dependents ?? [],
          }))
          .where("id", "=", existing.id)
          .where("state", "<>", "resolved")
          .execute();
        stats.updated++;
        after.add(fp);
        continue;
      }
      // Resolved by hand while the condition held: not reported again until it clears.
      if (before.has(fp)) {
        after.add(fp);
        continue;
      }
      const r = await db.transaction().execute((tx) => fire(tx, rule, c, fp, silences, now));
      if (r.fired) stats.fired++;
      stats.notified += r.notified;
      after.add(fp);
    }
    for (const [fp, a] of mine) {
      if (seen.has(fp)) continue;
      if (!isLeader()) return;
      const r = await db.transaction().execute((tx) => resolve(tx, a, "cleared", rule.channel_ids, silences, now));
      if (r.resolved) stats.resolved++;
      stats.notified += r.notified;
    }
    present.set(rule.id, after);
  }

  return { round };
}

/** The leader job: a round every EVALUATION_INTERVAL_MS, never two at once. */
export const alertEvaluatorJob: LeaderJob = {
  name: "alerts",
  start(ctx: LeaderJobContext) {
    const evaluator = createAlertEvaluator({ db: ctx.db, logger: ctx.logger, isLeader: ctx.isLeader });
    return startPeriodic(ctx, "alerts", EVALUATION_INTERVAL_MS, () => evaluator.round());
  },
};
