/**
 * `npm run monitors`: the prober as its own process (docs/monitors.md, "Running the prober"). Start
 * it on as many hosts as wanted against the server database: one leads (leader.ts), the others
 * wait to take over. The API then runs with TIANSHU_MONITORS=off. Migrations are applied as the API
 * applies them, so the worker may start first.
 */
import { loadConfig } from "../api/src/config";
import { loadDataKeysWithCandidates } from "../api/src/crypto/data-keys";
import { createFieldCipher } from "../api/src/crypto/fields";
import { kekCandidates } from "../api/src/crypto/keys";
import { cryptoProfile } from "../api/src/crypto/profile";
import { connectDatabase } from "../api/src/db/connect";
import { definitionOpener } from "../api/src/monitors/secrets";
import { createLogger } from "../api/src/observability/logger";
import { startMonitoring } from "./leader";

/** TIANSHU_MONITORS_POLL_MS: how often a follower tries to take the lead (100 ms – 60 s, default 2 s). */
function pollMs(value: string | undefined): number {
  if (value === undefined || value === "") return 2_000;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 100 || n > 60_000) {
    throw new Error(
      `TIANSHU_MONITORS_POLL_MS must be 100–60000 milliseconds / 取值应在 100 到 60000 毫秒之间: ${value}`,
    );
  }
  return n;
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const poll = pollMs(process.env.TIANSHU_MONITORS_POLL_MS);
  const logger = createLogger(config.logLevel);
  const database = await connectDatabase(
    { databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: 4, migrate: true },
    logger,
  );
  // Credentials in definitions and channel secrets are sealed at rest: opened with the API's keys.
  const profile = cryptoProfile(config.cryptoProfile);
  const { kek, dataKeys } = await loadDataKeysWithCandidates({
    db: database.db,
    profile,
    candidates: kekCandidates({ kek: config.kek, dataDir: config.dataDir, production: config.env === "production" }),
  });
  const fields = createFieldCipher(kek, profile, dataKeys);
  const monitoring = startMonitoring({
    db: database.db,
    logger,
    connectionString: config.databaseUrl ?? null,
    pollMs: poll,
    openDefinition: definitionOpener(fields, () => dataKeys.refresh(), logger),
    // Notification channel secrets are sealed too: the delivery job opens them.
    secrets: { cipher: fields, refresh: () => dataKeys.refresh() },
  });
  logger.info({ database: database.location }, "monitors: worker started");
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "monitors: worker stopping");
    await monitoring.stop();
    await database.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
