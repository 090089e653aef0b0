import type { RequestContext } from "../http/context";
import { PayloadTooLarge, Unauthorized } from "../http/errors";
import { pageOf, setTotal, TOTAL_COUNT_HEADER } from "../http/list";
import type { RouteTable } from "../http/route";
import { z } from "../http/zod";
import type { PublicationRow } from "./publisher";
import {
  CheckBatchBody,
  CheckBatchResult,
  CheckBody,
  CheckResultSchema,
  MAX_TEXT_BYTES,
  PublicationListQuery,
  PublicationSchema,
  PublishBody,
  StatsQuery,
  StatsRow,
  VersionParams,
} from "./schemas";
import type { WordServices } from "./services";
import { tenantOf } from "./service";

const TAGS = ["sensitive-words"];
const publicationDto = (p: PublicationRow) => ({ ...p, publishedAt: p.publishedAt.toISOString() });

/** The tenant whose dictionary judges the call: the API client's, or the signed-in admin's (the console's test box). */
function checkTenant(ctx: RequestContext): string {
  if (ctx.apiClient && !ctx.principal) return ctx.apiClient.tenantId;
  if (ctx.principal) return ctx.principal.tenantId;
  throw new Unauthorized("UNAUTHENTICATED", "Sign in first.", "请先登录。");
}

/** Texts are limited in UTF-8 bytes (what the wire carries); the first one over names its index. */
function refuseHugeTexts(texts: readonly string[], path: (i: number) => string): void {
  const i = texts.findIndex((t) => t.length > MAX_TEXT_BYTES / 3 && Buffer.byteLength(t, "utf8") > MAX_TEXT_BYTES);
  if (i < 0) return;
  throw new PayloadTooLarge(
    "TEXT_TOO_LARGE",
    `A text may be at most ${MAX_TEXT_BYTES} bytes of UTF-8 (${path(i)} is larger); split it.`,
    `单条文本最多 ${MAX_TEXT_BYTES} 字节（UTF-8），${path(i)} 超出，请拆分。`,
    [{ path: path(i), message: `Over ${MAX_TEXT_BYTES} bytes.`, zh: `超过 ${MAX_TEXT_BYTES} 字节。` }],
  );
}

/** Publishing, rollback, statistics and the check API for message services. */
export function registerPublishingRoutes(routes: RouteTable, words: WordServices): void {
  const { publisher, stats } = words;
  const checkAccess = {
    ability: { action: "read", subject: "SensitiveWord" },
    orApiClient: { scope: "content:check" },
  } as const;

  routes.add({
    method: "post",
    path: "/api/v1/content/check",
    operationId: "checkContent",
    summary: "Check one text against the published dictionary: verdict, hits and the masked text",
    tags: TAGS,
    access: checkAccess,
    body: CheckBody,
    response: { status: 200, description: "The verdict", schema: CheckResultSchema },
    problems: [413],
    async handler({ body, ctx }) {
      refuseHugeTexts([body.text], () => "body.text");
      const count = !ctx.principal; // the console's test box is not traffic
      const { version, results } = await words.check(checkTenant(ctx), [body.text], { appId: body.appId, count });
      return { ...(results[0] as NonNullable<(typeof results)[0]>), version };
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/content/check/batch",
    operationId: "checkContentBatch",
    summary: "Check up to 1,000 texts (each at most 64 KiB) with one dictionary version",
    tags: TAGS,
    access: checkAccess,
    body: CheckBatchBody,
    response: { status: 200, description: "Results in the order of the texts", schema: CheckBatchResult },
    problems: [413],
    async handler({ body, ctx }) {
      refuseHugeTexts(body.texts, (i) => `body.texts.${i}`);
      const count = !ctx.principal;
      return words.check(checkTenant(ctx), body.texts, { appId: body.appId, count });
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/words/publish",
    operationId: "publishSensitiveWords",
    summary: "Publish the draft as the next version; every instance serves it within a second",
    tags: TAGS,
    access: { ability: { action: "update", subject: "SensitiveWord" } },
    body: PublishBody,
    response: { status: 201, description: "The new active publication", schema: PublicationSchema },
    problems: [409, 422],
    async handler({ body, ctx }) {
      return publicationDto(await publisher.publish(ctx, body.note));
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/words/publications",
    operationId: "listWordPublications",
    summary: "Published versions, newest first by default",
    tags: TAGS,
    access: { ability: { action: "read", subject: "SensitiveWord" } },
    query: PublicationListQuery,
    response: {
      status: 200,
      description: "A page of publications",
      schema: z.array(PublicationSchema),
      headers: { [TOTAL_COUNT_HEADER]: "Total number of publications" },
    },
    async handler({ query, ctx, res }) {
      const { rows, total } = await publisher.listPublications(ctx, pageOf(query));
      setTotal(res, total);
      return rows.map(publicationDto);
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/words/publications/:version/rollback",
    operationId: "rollbackSensitiveWords",
    summary: "Serve an earlier version again (recorded as a new publication)",
    tags: TAGS,
    access: { ability: { action: "update", subject: "SensitiveWord" } },
    params: VersionParams,
    body: PublishBody,
    response: { status: 201, description: "The new active publication", schema: PublicationSchema },
    problems: [404, 409, 422],
    async handler({ params, body, ctx }) {
      return publicationDto(await publisher.rollback(ctx, params.version, body.note));
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/words/stats",
    operationId: "sensitiveWordStats",
    summary: "Hit counts grouped by category, word, app or day over a range of days (UTC)",
    tags: TAGS,
    access: { ability: { action: "read", subject: "SensitiveWord" } },
    query: StatsQuery,
    response: {
      status: 200,
      description: "A page of groups",
      schema: z.array(StatsRow),
      headers: { [TOTAL_COUNT_HEADER]: "Number of groups" },
    },
    async handler({ query, ctx, res }) {
      await stats.flush(); // this instance's latest counts are included
      const today = new Date();
      const from = query.from ?? new Date(today.getTime() - 29 * 86_400_000).toISOString().slice(0, 10);
      const to = query.to ?? today.toISOString().slice(0, 10);
      const { rows, total } = await stats.query(
        tenantOf(ctx),
        query.groupBy,
        { from, to, category: query.category, appId: query.appId, word: query.word },
        pageOf(query),
      );
      setTotal(res, total);
      return rows;
    },
  });
}
