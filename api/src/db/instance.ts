import fs from "node:fs";
import path from "node:path";
import type { Config } from "../config";
import { createLogger } from "../observability/logger";
import { connectDatabase } from "./connect";
import type { Db } from "./pool";

/**
 * For command-line tools that check a file against the instance when they can: runs `use` on the
 * instance's database (DATABASE_URL, or the embedded one when its data directory exists; stop the
 * server first) and says why not when there is none or it cannot be reached.
 */
export async function withInstanceDatabase<T>(
  config: Config,
  use: (db: Db) => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; note: string }> {
  const embeddedDir = path.join(config.dataDir, "pg");
  if (!config.databaseUrl && !fs.existsSync(embeddedDir)) {
    return { ok: false, note: `no DATABASE_URL and no embedded database at ${embeddedDir}` };
  }
  let database;
  try {
    database = await connectDatabase(
      { databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: 1, migrate: false },
      createLogger("silent"),
    );
  } catch (err) {
    return { ok: false, note: `database not reachable (${(err as Error).message})` };
  }
  try {
    return { ok: true, value: await use(database.db) };
  } finally {
    await database.close();
  }
}
