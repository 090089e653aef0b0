import { ConfigError, loadConfig } from "../config";
import { createLogger } from "../observability/logger";
import { connectDatabase } from "./connect";

/** `npm run migrate`: applies pending migrations to DATABASE_URL, or to the embedded database. */
try {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel);
  const database = await connectDatabase(
    { databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: 2, migrate: true },
    logger,
  );
  const { pendingMigrations } = await database.readiness();
  await database.close();
  process.stdout.write(
    pendingMigrations.length === 0
      ? `migrations are current on ${database.location}\n`
      : `still pending: ${pendingMigrations.join(", ")}\n`,
  );
} catch (err) {
  process.stderr.write(`migrate failed / 迁移失败: ${err instanceof ConfigError ? err.message : String(err)}\n`);
  process.exit(1);
}
