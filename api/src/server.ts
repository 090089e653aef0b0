import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import { createApp, type TianshuApp } from "./app";
import { chainAlgorithmOf, setNewChainAlgorithm } from "./audit/chain";
import { scheduleAuditRetention } from "./audit/archive";
import { scheduleCheckpoints } from "./audit/checkpoint";
import { scheduleSealer } from "./audit/sealer";
import { createAclIntegrity } from "./authz/integrity";
import { type BootstrapResult, bootstrapPlatform } from "./bootstrap/admins";
import type { Config } from "./config";
import { loadDataKeysWithCandidates } from "./crypto/data-keys";
import { kekCandidates } from "./crypto/keys";
import { cryptoProfile } from "./crypto/profile";
import { connectDatabase, type Database } from "./db/connect";
import { holdInstancePresence, type Presence } from "./db/presence";
import { startMonitoring } from "../../monitors/leader";
import { startRotationWorker } from "./keys/rotation-worker";
import { sealClearMonitorSecrets } from "./monitors/sealed-table";
import { sealClearChannelSecrets } from "./notifications/secrets";
import { definitionOpener } from "./monitors/secrets";
import { createServices } from "./services";
import { scheduleErasure } from "./users/erasure";

export const VERSION = "0.1.0";
export const CONSOLE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../console/dist");

export interface RunningServer {
  url: string;
  database: Database;
  bootstrap: BootstrapResult;
  tianshu: TianshuApp;
  /** Stops accepting, lets in-flight requests finish, then closes the pool and the database. */
  close(): Promise<void>;
}

/** The composition root: database → migrations → first-start accounts → app → listen. */
export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  // Before the database: a missing or malformed key refuses the start with nothing touched.
  // With the key file, its companions after a KEK re-wrap are candidates too (crypto/keys.ts).
  const candidates = kekCandidates({
    kek: config.kek,
    dataDir: config.dataDir,
    production: config.env === "production",
  });
  // A new audit chain hashes with the profile's algorithm (an existing one keeps its own).
  setNewChainAlgorithm(chainAlgorithmOf(config.cryptoProfile));
  const database = await connectDatabase(
    { databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: config.poolMax, migrate: true },
    logger,
  );
  let presence: Presence | null = null;
  try {
    // Server database: announce this instance to the commands that must not run beside one (db/presence.ts).
    if (config.databaseUrl) presence = await holdInstancePresence(config.databaseUrl, logger);
    // Data keys before anything is written: a KEK that does not unwrap them refuses the start here.
    const { kek, dataKeys } = await loadDataKeysWithCandidates({
      db: database.db,
      profile: cryptoProfile(config.cryptoProfile),
      candidates,
    });
    // First-start accounts, and the one-time MAC backfill of access-control rows (authz/integrity.ts).
    const bootstrap = await bootstrapPlatform(
      database.db,
      config.initPasswords,
      config.pbkdf2Iterations,
      createAclIntegrity(cryptoProfile(config.cryptoProfile), kek, dataKeys),
    );
    const services = createServices({
      db: database.db,
      config,
      logger,
      kek,
      dataKeys,
      platformTenantId: bootstrap.platformTenantId,
    });
    // Monitor credentials stored before encryption at rest are sealed now (monitors/sealed-table.ts).
    const sealedNow = await sealClearMonitorSecrets(database.db, services.fields);
    if (sealedNow > 0) logger.info({ monitors: sealedNow }, "monitors: credentials sealed at rest");
    // Likewise the secrets of notification channels (notifications/secrets.ts).
    const channelsSealed = await sealClearChannelSecrets(database.db, services.fields);
    if (channelsSealed > 0) logger.info({ channels: channelsSealed }, "notifications: channel secrets sealed at rest");
    const tianshu = createApp({
      config,
      logger,
      db: database.db,
      services,
      platformTenantId: bootstrap.platformTenantId,
      readiness: () => database.readiness(),
      consoleDir: CONSOLE_DIR,
      version: VERSION,
    });
    const server = http.createServer(tianshu.app);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.port, config.host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    // 剩余信息保护: erase the personal data of deleted accounts once their retention has passed.
    const erasure = scheduleErasure(database.db, logger);
    // Audit events are chained by the sealer within about a second of their commit (docs/audit.md).
    const sealer = scheduleSealer(database.db, { logger });
    // Signed audit checkpoints every minute, and a last one on shutdown (docs/audit.md).
    const checkpoints = scheduleCheckpoints(database.db, { kek, profile: cryptoProfile(config.cryptoProfile), logger });
    // Audit retention: the storage check every few minutes, the archiver daily (docs/audit.md).
    const retention = scheduleAuditRetention(database.db, {
      dataDir: config.dataDir,
      kek,
      ring: dataKeys,
      profile: cryptoProfile(config.cryptoProfile),
      logger,
    });
    // Key rotation: re-encrypts in the background; a job left by a crashed instance resumes here.
    const rotation = startRotationWorker({
      db: database.db,
      fields: services.fields,
      ring: dataKeys,
      bus: services.authzDomain.bus,
      logger,
    });
    // The monitors prober: leader-elected among instances on a server database (docs/monitors.md).
    const monitoring = config.monitorsInProcess
      ? startMonitoring({
          db: database.db,
          logger,
          connectionString: config.databaseUrl ?? null,
          openDefinition: definitionOpener(services.fields, () => dataKeys.refresh(), logger),
          secrets: { cipher: services.fields, refresh: () => dataKeys.refresh() },
        })
      : null;
    services.monitors.onChange(() => void monitoring?.scheduler()?.reload());
    const host = config.host.includes(":") ? `[${config.host}]` : config.host;
    let closing: Promise<void> | undefined;
    return {
      url: `http://${host}:${port}`,
      database,
      bootstrap,
      tianshu,
      close() {
        closing ??= (async () => {
          erasure.stop();
          await rotation.stop();
          const drained = new Promise<void>((resolve) => server.close(() => resolve()));
          server.closeIdleConnections();
          // In-flight requests get a bounded time to finish; then the stragglers are cut.
          const deadline = setTimeout(() => server.closeAllConnections(), 10_000);
          await drained;
          clearTimeout(deadline);
          // The last events are sealed before the last checkpoint signs the head.
          await sealer.stop();
          // Checks in flight end and their results are written while the database is still open.
          await monitoring?.stop();
          await retention.stop();
          await checkpoints.stop();
          // Hit counters still in memory are written before the connections go.
          await services.words.close();
          await services.authzDomain.bus.close();
          await presence?.close();
          await database.close();
        })();
        return closing;
      },
    };
  } catch (err) {
    await presence?.close().catch(() => {});
    await database.close().catch(() => {});
    throw err;
  }
}
