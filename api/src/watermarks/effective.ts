import { createHash } from "node:crypto";
import { actorOf, record } from "../audit/record";
import type { Db } from "../db/pool";
import type { RequestContext } from "../http/context";
import { NotFound } from "../http/errors";
import { explainResolution, type Explanation } from "./explain";
import { resolveWatermark, type Viewer, type WatermarkContext } from "./resolve";
import { tenantOf } from "./service";
import { findViewer, tenantAccounts, tenantPolicies, type ViewerRow, type WatermarkPolicy } from "./store";
import { fillTemplate, type TemplateValues } from "./template";
import { renderTile, type WatermarkStyle } from "./tile";
import { embedTrace, encodeTrace, extractTraces, parseTraceCode, type Trace, traceCode, userTag } from "./trace";

/**
 * What a viewer sees (docs/watermarks.md): the one policy that applies (resolve.ts), its template
 * filled with the viewer's fields, the tile, and the trace that identifies viewer and time; the
 * tester's explanation; tracing a leak back to its viewer.
 */
export const WATERMARK_TRACE_PURPOSE = "watermark:trace";

export interface Effective {
  policy: { id: string; name: string; priority: number } | null;
  lines: string[];
  style: WatermarkStyle | null;
  traceCode: string;
  textMark: string;
  svg: string | null;
  width: number | null;
  height: number | null;
  etag: string;
}

export interface ViewerQuery {
  userId: string;
  appId?: string | undefined;
  context?: WatermarkContext | undefined;
}

export interface FoundTrace {
  source: "text" | "code";
  time: string;
  userId: string | null;
  username: string | null;
  displayName: string | null;
}

const MINUTE = 60_000;
const DAY_MINUTES = 24 * 60;
/** China Standard Time has no daylight saving: a fixed UTC+8. */
const SHANGHAI_OFFSET_MINUTES = 8 * 60;

/**
 * The minute a tile's trace names, which is also its cache period: the current minute when the
 * template shows {time}, otherwise the start of the current day in Asia/Shanghai.
 */
export function traceMinute(template: string | null, now: Date): number {
  const minute = Math.floor(now.getTime() / MINUTE);
  if (template?.includes("{time}")) return minute;
  const local = minute + SHANGHAI_OFFSET_MINUTES;
  return local - (local % DAY_MINUTES) - SHANGHAI_OFFSET_MINUTES;
}

/** {date} and {time} as read in Asia/Shanghai, where the console shows time. */
function localDateTime(minute: number): { date: string; time: string } {
  const iso = new Date((minute + SHANGHAI_OFFSET_MINUTES) * MINUTE).toISOString();
  return { date: iso.slice(0, 10), time: iso.slice(11, 16) };
}

const ref = (p: WatermarkPolicy) => ({ id: p.id, name: p.name, priority: p.priority });

function viewerOf(row: ViewerRow, q: ViewerQuery): Viewer {
  return { departmentPaths: row.departments.map((d) => d.path), appId: q.appId ?? null, context: q.context ?? null };
}

function valuesOf(row: ViewerRow, policy: WatermarkPolicy, minute: number, ip: string): TemplateValues {
  return {
    name: row.displayName,
    employeeNo: row.employeeNo,
    phoneLast4: row.phoneLast4,
    // The first membership: a primary one if there is one (store.ts findViewer orders them).
    department: row.departments[0]?.name ?? null,
    ...localDateTime(minute),
    ip,
    text: policy.customText,
  };
}

/** A strong ETag over everything the answer shows: it changes with the policy, the fields or the period. */
function etagOf(parts: unknown[]): string {
  return `"wm-${createHash("sha256").update(JSON.stringify(parts)).digest("base64url").slice(0, 27)}"`;
}

export function createEffectiveService(db: Db, traceKey: Buffer, now: () => Date = () => new Date()) {
  async function viewer(tenantId: string, userId: string): Promise<ViewerRow> {
    const row = await findViewer(db, tenantId, userId);
    if (!row) throw new NotFound("USER_NOT_FOUND", "No such user in this tenant.", "本租户中不存在该用户。");
    return row;
  }
  const tagOf = (tenantId: string, userId: string) => userTag(traceKey, tenantId, userId);

  return {
    async effective(ctx: RequestContext, q: ViewerQuery & { ip: string; format: "json" | "svg" }): Promise<Effective> {
      const tenantId = tenantOf(ctx);
      const row = await viewer(tenantId, q.userId);
      const at = now();
      const policy = resolveWatermark(await tenantPolicies(db, tenantId), viewerOf(row, q), at);
      const trace: Trace = { userTag: tagOf(tenantId, row.id), minute: traceMinute(policy?.template ?? null, at) };
      const code = traceCode(traceKey, trace);
      const lines = policy ? fillTemplate(policy.template, valuesOf(row, policy, trace.minute, q.ip)) : [];
      const tile = policy ? renderTile(lines, policy.style, code) : null;
      return {
        policy: policy ? ref(policy) : null,
        lines,
        style: policy?.style ?? null,
        traceCode: code,
        textMark: encodeTrace(traceKey, trace),
        svg: tile?.svg ?? null,
        width: tile?.width ?? null,
        height: tile?.height ?? null,
        etag: etagOf([q.format, policy?.id ?? null, policy?.version ?? null, lines, code]),
      };
    },

    /** The tester: the chosen policy, the ones that matched in rank order and why, and the rest. */
    async test(ctx: RequestContext, q: ViewerQuery & { at?: string | undefined }): Promise<Explanation> {
      const tenantId = tenantOf(ctx);
      const row = await viewer(tenantId, q.userId);
      const at = q.at ? new Date(q.at) : now();
      const explained = explainResolution(await tenantPolicies(db, tenantId), viewerOf(row, q), at);
      const chosen = explained.chosen;
      const minute = traceMinute(chosen?.template ?? null, at);
      const lines = chosen ? fillTemplate(chosen.template, valuesOf(row, chosen, minute, ctx.ip)) : [];
      return { ...explained.view, lines };
    },

    /** The text with the viewer's trace (this minute) embedded, for copies and exports. */
    async mark(
      ctx: RequestContext,
      userId: string,
      text: string,
      every = 24,
    ): Promise<{ text: string; traceCode: string }> {
      const tenantId = tenantOf(ctx);
      const row = await viewer(tenantId, userId);
      const trace: Trace = { userTag: tagOf(tenantId, row.id), minute: Math.floor(now().getTime() / MINUTE) };
      return { text: embedTrace(text, encodeTrace(traceKey, trace), every), traceCode: traceCode(traceKey, trace) };
    },

    /**
     * Every trace in a leaked text or a code, with the account it names. An investigation: audited,
     * with what was found (never the text itself).
     */
    async trace(ctx: RequestContext, body: { text?: string | undefined; code?: string | undefined }) {
      const tenantId = tenantOf(ctx);
      const found: { source: "text" | "code"; trace: Trace }[] = [];
      if (body.text !== undefined) {
        for (const trace of extractTraces(traceKey, body.text)) found.push({ source: "text", trace });
      }
      const fromCode = body.code === undefined ? null : parseTraceCode(traceKey, body.code);
      if (fromCode) found.push({ source: "code", trace: fromCode });
      // The tag is a keyed hash: finding its account means hashing each account of the tenant.
      const byTag = new Map<string, { id: string; username: string; display_name: string }>();
      if (found.length > 0) {
        for (const account of await tenantAccounts(db, tenantId)) {
          byTag.set(tagOf(tenantId, account.id).toString("hex"), account);
        }
      }
      const traces: FoundTrace[] = found.map(({ source, trace }) => {
        const account = byTag.get(trace.userTag.toString("hex"));
        return {
          source,
          time: new Date(trace.minute * MINUTE).toISOString(),
          userId: account?.id ?? null,
          username: account?.username ?? null,
          displayName: account?.display_name ?? null,
        };
      });
      await record(db, {
        ...actorOf(ctx),
        action: "watermark.trace",
        targetType: "Watermark",
        targetId: null,
        result: "success",
        detail: {
          textLength: body.text?.length ?? null,
          code: body.code !== undefined,
          found: traces.map((t) => ({ source: t.source, userId: t.userId, time: t.time })),
        },
      });
      return { traces };
    },
  };
}
export type EffectiveService = ReturnType<typeof createEffectiveService>;
