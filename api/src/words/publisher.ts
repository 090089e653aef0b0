import { sql } from "kysely";
import type { Logger } from "pino";
import { actorOf, record } from "../audit/record";
import type { Bus } from "../db/bus";
import type { Db, Tx } from "../db/pool";
import { withTx } from "../db/tx";
import type { RequestContext } from "../http/context";
import { AppError, Conflict, NotFound } from "../http/errors";
import type { Page } from "../http/list";
import type { CompiledDictionary } from "./engine";
import { CATEGORIES } from "./schemas";
import { activeVersion, compileSnapshot, createServingCache, WORDS_CHANNEL } from "./serving";
import { tenantOf } from "./service";
import { draftSnapshot } from "./store";

/**
 * Versioned publishing (docs/words.md, "Publishing and rollback"). Publish compiles the draft in
 * this process FIRST: if that fails nothing is stored and the previous version keeps serving. Then
 * the snapshot is stored and made active in one transaction, and announced on the bus after commit;
 * every instance then loads, compiles and swaps it in (serving.ts).
 */

/** What one publication may hold; far above the 50,000 words the issue asks for. */
export const MAX_PUBLISHED_WORDS = 1_000_000;

class Unprocessable extends AppError {
  readonly status = 422;
  readonly title = "Unprocessable Content";
}

export interface PublicationRow {
  version: number;
  wordCount: number;
  allowCount: number;
  note: string;
  rolledBackTo: number | null;
  publishedBy: string | null;
  publishedByName: string | null;
  publishedAt: Date;
  active: boolean;
}

export function createPublisher(deps: { db: Db; bus: Bus; logger: Pick<Logger, "error" | "warn"> }) {
  const { db, bus, logger } = deps;
  const cache = createServingCache({ db, bus, logger });

  const compileOrRefuse = async (ctx: RequestContext, snapshot: unknown, action: string) => {
    try {
      return compileSnapshot(snapshot);
    } catch (err) {
      logger.error({ err }, "compiling a word list failed");
      await record(db, {
        ...actorOf(ctx),
        action,
        targetType: "WordPublication",
        result: "failure",
        detail: { reason: "compile_failed" },
      });
      throw new Unprocessable(
        "DICTIONARY_COMPILE_FAILED",
        "The word list could not be compiled; nothing was published and the previous version keeps serving.",
        "词库编译失败，未发布，当前生效版本不变。",
      );
    }
  };

  /** Stores a publication as the tenant's next version and makes it active, in `tx`. */
  async function storeActive(tx: Tx, tenantId: string, fill: (version: number) => Promise<void>) {
    // One publisher at a time per tenant; the version numbers stay gapless.
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`words:${tenantId}`}))`.execute(tx);
    const { max } = await tx
      .selectFrom("word_publications")
      .select((eb) => eb.fn.max("version").as("max"))
      .where("tenant_id", "=", tenantId)
      .executeTakeFirstOrThrow();
    const version = (max ?? 0) + 1;
    await fill(version);
    await tx
      .insertInto("word_active_versions")
      .values({ tenant_id: tenantId, version, updated_at: new Date() })
      .onConflict((oc) => oc.column("tenant_id").doUpdateSet({ version, updated_at: new Date() }))
      .execute();
    return version;
  }

  const concurrent = () =>
    new Conflict(
      "CONCURRENT_PUBLISH",
      "Another publication got this version first; try again.",
      "其他人正在发布，请重试。",
    );

  async function announce(tenantId: string, version: number, dictionary: CompiledDictionary) {
    cache.install(tenantId, version, dictionary);
    await bus.publish(WORDS_CHANNEL, JSON.stringify({ tenantId, version })).catch((err: unknown) => {
      // The publication is committed; instances that miss the message catch up on their resync.
      logger.warn({ err }, "announcing a word-list publication failed");
    });
  }

  return {
    servingFor: cache.servingFor,

    async publish(ctx: RequestContext, note: string | undefined): Promise<PublicationRow> {
      const tenantId = tenantOf(ctx);
      const snapshot = await draftSnapshot(db, tenantId, CATEGORIES);
      if (snapshot.words.length > MAX_PUBLISHED_WORDS) {
        await record(db, {
          ...actorOf(ctx),
          action: "words.publish",
          targetType: "WordPublication",
          result: "failure",
          detail: { reason: "too_many_words", words: snapshot.words.length },
        });
        throw new Unprocessable(
          "DICTIONARY_TOO_LARGE",
          `At most ${MAX_PUBLISHED_WORDS} words can be published (the draft has ${snapshot.words.length}).`,
          `最多可发布 ${MAX_PUBLISHED_WORDS} 个词（草稿中有 ${snapshot.words.length} 个）。`,
        );
      }
      const dictionary = await compileOrRefuse(ctx, snapshot, "words.publish");
      const version = await withTx(db, (tx) =>
        storeActive(tx, tenantId, async (v) => {
          await tx
            .insertInto("word_publications")
            .values({
              tenant_id: tenantId,
              version: v,
              snapshot: JSON.stringify(snapshot),
              word_count: snapshot.words.length,
              allow_count: snapshot.allow.length,
              note: note ?? "",
              rolled_back_to: null,
              published_by: ctx.principal?.userId ?? null,
              published_by_name: ctx.principal?.username ?? null,
            })
            .execute();
          await record(tx, {
            ...actorOf(ctx),
            action: "words.publish",
            targetType: "WordPublication",
            targetId: String(v),
            result: "success",
            detail: { version: v, words: snapshot.words.length, allow: snapshot.allow.length, note: note ?? "" },
          });
        }),
      ).catch(async (err: unknown) => {
        const raced = (err as { code?: string }).code === "23505";
        // Recorded when the database still takes it; the original error is what the caller gets.
        await record(db, {
          ...actorOf(ctx),
          action: "words.publish",
          targetType: "WordPublication",
          result: "failure",
          detail: { reason: raced ? "concurrent_publish" : "store_failed" },
        }).catch(() => undefined);
        throw raced ? concurrent() : err;
      });
      await announce(tenantId, version, dictionary);
      return (await this.publication(ctx, version)) as PublicationRow;
    },

    /** Serves an earlier version's snapshot again, recorded as a new publication. */
    async rollback(ctx: RequestContext, target: number, note: string | undefined): Promise<PublicationRow> {
      const tenantId = tenantOf(ctx);
      const old = await db
        .selectFrom("word_publications")
        .select(["snapshot"])
        .where("tenant_id", "=", tenantId)
        .where("version", "=", target)
        .executeTakeFirst();
      if (!old) throw new NotFound("PUBLICATION_NOT_FOUND", `No publication ${target}.`, `发布版本 ${target} 不存在。`);
      const dictionary = await compileOrRefuse(ctx, old.snapshot, "words.rollback");
      const version = await withTx(db, (tx) =>
        storeActive(tx, tenantId, async (v) => {
          await tx
            .insertInto("word_publications")
            .columns([
              "tenant_id",
              "version",
              "snapshot",
              "word_count",
              "allow_count",
              "note",
              "rolled_back_to",
              "published_by",
              "published_by_name",
            ])
            .expression((eb) =>
              eb
                .selectFrom("word_publications")
                .select((s) => [
                  "tenant_id",
                  s.val(v).as("version"),
                  "snapshot",
                  "word_count",
                  "allow_count",
                  s.val(note ?? "").as("note"),
                  s.val(target).as("rolled_back_to"),
                  s.val(ctx.principal?.userId ?? null).as("published_by"),
                  s.val(ctx.principal?.username ?? null).as("published_by_name"),
                ])
                .where("tenant_id", "=", tenantId)
                .where("version", "=", target),
            )
            .execute();
          await record(tx, {
            ...actorOf(ctx),
            action: "words.rollback",
            targetType: "WordPublication",
            targetId: String(v),
            result: "success",
            detail: { version: v, rolledBackTo: target, note: note ?? "" },
          });
        }),
      );
      await announce(tenantId, version, dictionary);
      return (await this.publication(ctx, version)) as PublicationRow;
    },

    /** Publications newest first (by default); with `only`, just that version. */
    async listPublications(
      ctx: RequestContext,
      page: Page<"version">,
      only?: number,
    ): Promise<{ rows: PublicationRow[]; total: number }> {
      const tenantId = tenantOf(ctx);
      const active = await activeVersion(db, tenantId);
      let base = db.selectFrom("word_publications").where("tenant_id", "=", tenantId);
      if (only !== undefined) base = base.where("version", "=", only);
      const [rows, total] = await Promise.all([
        base
          .select([
            "version",
            "word_count",
            "allow_count",
            "note",
            "rolled_back_to",
            "published_by",
            "published_by_name",
            "published_at",
          ])
          .orderBy("version", page.order)
          .offset(page.offset)
          .limit(page.limit)
          .execute(),
        base.select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow(),
      ]);
      return {
        rows: rows.map((r) => ({
          version: r.version,
          wordCount: r.word_count,
          allowCount: r.allow_count,
          note: r.note,
          rolledBackTo: r.rolled_back_to,
          publishedBy: r.published_by,
          publishedByName: r.published_by_name,
          publishedAt: r.published_at,
          active: r.version === active,
        })),
        total: Number(total.n),
      };
    },

    async publication(ctx: RequestContext, version: number): Promise<PublicationRow | undefined> {
      const { rows } = await this.listPublications(
        ctx,
        { offset: 0, limit: 1, sort: "version", order: "desc" },
        version,
      );
      return rows[0];
    },
  };
}

export type Publisher = ReturnType<typeof createPublisher>;
