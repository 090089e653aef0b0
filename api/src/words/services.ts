import type { Logger } from "pino";
import type { Bus } from "../db/bus";
import type { Db } from "../db/pool";
import type { CheckResult } from "./engine";
import { createPublisher, type Publisher } from "./publisher";
import { createDraftService, type DraftService } from "./service";
import { createHitStats, type HitStats } from "./stats";
import { createTransferService, type TransferService } from "./transfer";

export interface WordServices {
  draft: DraftService;
  transfer: TransferService;
  publisher: Publisher;
  stats: HitStats;
  /**
   * Judges texts with the tenant's published dictionary. With `count`, hits are counted in the
   * statistics under `appId` ('' when none). All texts of a batch see the same version.
   */
  check(
    tenantId: string,
    texts: readonly string[],
    opts: { appId?: string | undefined; count: boolean },
  ): Promise<{ version: number; results: CheckResult[] }>;
  /** Flushes the statistics and stops their timer (graceful shutdown). */
  close(): Promise<void>;
}

/** The sensitive-words domain (docs/words.md); `bus` carries publications to every instance. */
export function createWordServices(deps: { db: Db; bus: Bus; logger: Logger; statsFlushMs?: number }): WordServices {
  const publisher = createPublisher({ db: deps.db, bus: deps.bus, logger: deps.logger });
  const stats = createHitStats({ db: deps.db, logger: deps.logger, flushMs: deps.statsFlushMs });
  return {
    draft: createDraftService(deps.db),
    transfer: createTransferService(deps.db),
    publisher,
    stats,
    async check(tenantId, texts, opts) {
      // One reference for the whole batch: a publication swapped in meanwhile applies to the next call.
      const { version, dictionary } = await publisher.servingFor(tenantId);
      const results = texts.map((text) => {
        const result = dictionary.check(text);
        if (opts.count) stats.count(tenantId, opts.appId ?? "", result.hits);
        return result;
      });
      return { version, results };
    },
    close: () => stats.close(),
  };
}
