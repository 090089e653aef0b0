import { ConfigError, loadConfig } from "../config";
import { connectDatabase } from "../db/connect";
import { createLogger } from "../observability/logger";
import { verifyAuditChain } from "./verify";

/**
 * `npm run audit:verify`: verifies the audit chain and checkpoints of DATABASE_URL, or of the embedded
 * database (stop the server first: the embedded database has one process at a time). Needs no KEK:
 * checkpoints are checked with the public keys. Prints the report as JSON; progress goes to stderr.
 * Exit status: 0 intact, 1 broken (the report names the first seq and the kind), 2 could not verify.
 */
const PROGRESS_EVERY_MS = 3_000;
try {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel);
  const database = await connectDatabase(
    { databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: 2, migrate: false },
    logger,
  );
  const started = Date.now();
  let lastPrinted = started;
  try {
    const report = await verifyAuditChain(database.db, {
      onProgress(checked) {
        const now = Date.now();
        if (now - lastPrinted < PROGRESS_EVERY_MS) return;
        lastPrinted = now;
        const rate = Math.round(checked / ((now - started) / 1000));
        process.stderr.write(`verified ${checked} events (${rate} events/s) / 已校验 ${checked} 条\n`);
      },
    });
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    process.stderr.write(
      report.ok
        ? `audit chain intact: ${report.eventsChecked} events, ${report.checkpointsChecked} checkpoints / 审计链完整\n`
        : `AUDIT CHAIN BROKEN at position ${report.finding?.seq}: ${report.finding?.kind} — ${report.finding?.message} / 审计链被篡改\n`,
    );
    if (report.unsealedEvents > 0) {
      // Sealing writes; this command only reads. The next server start seals them.
      process.stderr.write(
        `${report.unsealedEvents} events not sealed yet (oldest ${report.oldestUnsealedAt}); ` +
          `they are chained when the server runs / ${report.unsealedEvents} 条事件尚未入链\n`,
      );
    }
    process.exitCode = report.ok ? 0 : 1;
  } finally {
    await database.close();
  }
} catch (err) {
  process.stderr.write(
    `audit:verify failed / 审计链校验失败: ${err instanceof ConfigError ? err.message : String(err)}\n`,
  );
  process.exitCode = 2;
}
