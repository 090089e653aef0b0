import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { type Config, ConfigError, loadConfig } from "../config";
import { loadCarriedKeys } from "../crypto/data-keys";
import { kekSource, loadKek } from "../crypto/keys";
import { cryptoProfile } from "../crypto/profile";
import { connectDatabase } from "../db/connect";
import { withInstanceDatabase } from "../db/instance";
import { createLogger } from "../observability/logger";
import { archiveDirOf, runArchiver } from "./archive";
import {
  type ArchiveCrossCheck,
  type ArchiveSearch,
  archiveKeyOf,
  crossCheckArchive,
  manifestPathOf,
  matchesSearch,
  openArchive,
  readManifest,
  verifyArchive,
} from "./archive-file";

/**
 * The audit archive commands (docs/audit.md, "Retention and archives"):
 *   npm run audit:archive [-- --dir D]             archive every event past retention (DATABASE_URL or
 *                                                  the embedded database: stop the server first)
 *   npm run audit:archive-verify -- <file> [--public-key HEX] [--offline]
 *                                                  signature, digest and the chain inside one archive;
 *                                                  unless --offline, also that the instance's database
 *                                                  (if there is one) knows the key and recorded it
 *   npm run audit:archive-search -- <file> [--actor A] [--action X|prefix*] [--from ISO] [--to ISO]
 *                                  [--tenant T] [--result R] [--offline]   decrypts, filters, prints JSON lines
 * <file> is either file of an archive (…manifest.json or …jsonl.gz.sealed). verify and search need the
 * KEK (TIANSHU_KEK, or the key file under TIANSHU_DATA_DIR) and, after a KEK re-wrap, the database
 * (where the archive key is carried); with --offline the key is derived from the KEK alone.
 * Exit status: 0 done / intact, 1 broken archive or chain, 2 could not run.
 */

/** The KEK for reading archives: never generated here (a new key would open nothing). */
function kekFor(config: Config): Buffer {
  if (!config.kek && !fs.existsSync(path.join(config.dataDir, "keys", "kek"))) {
    throw new ConfigError(
      `no KEK: set TIANSHU_KEK or TIANSHU_DATA_DIR to the server's data directory / 未找到主密钥（KEK），请设置 TIANSHU_KEK 或 TIANSHU_DATA_DIR`,
    );
  }
  return loadKek({ kek: config.kek, dataDir: config.dataDir, production: config.env === "production" });
}

async function archive(config: Config, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { dir: { type: "string" }, "batch-size": { type: "string" } },
    strict: true,
  });
  const kek = kekFor(config);
  const logger = createLogger(config.logLevel);
  const database = await connectDatabase(
    { databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: 3, migrate: false },
    logger,
  );
  try {
    const dir = path.resolve(values.dir ?? archiveDirOf(config.dataDir));
    const profile = cryptoProfile(config.cryptoProfile);
    const ring = await loadCarriedKeys({ db: database.db, kek, profile, kekSource: kekSource(config) });
    const result = await runArchiver(database.db, {
      dir,
      kek,
      ring,
      profile,
      ...(values["batch-size"] ? { batchSize: Number(values["batch-size"]) } : {}),
    });
    process.stdout.write(`${JSON.stringify({ dir, ...result }, null, 2)}\n`);
    if (result.outcome === "broken") {
      process.stderr.write(
        `nothing removed: the chain does not verify (${result.message}) / 审计链校验失败，未删除任何事件\n`,
      );
      return 1;
    }
    if (result.outcome === "busy") process.stderr.write("another archiver is running / 另一归档进程正在运行\n");
    process.stderr.write(`${result.eventsArchived} events archived in ${result.archives.length} files / 已归档\n`);
    return 0;
  } finally {
    await database.close();
  }
}

/**
 * The archive key: from the database when there is one (after a KEK re-wrap it is kept there,
 * wrapped under the current KEK), else derived from the KEK, which is right until the first re-wrap.
 */
async function archiveKeyFor(config: Config, offline: boolean): Promise<Buffer> {
  const kek = kekFor(config);
  const profile = cryptoProfile(config.cryptoProfile);
  if (offline) return archiveKeyOf(profile, kek);
  const carried = await withInstanceDatabase(config, (db) =>
    loadCarriedKeys({ db, kek, profile, kekSource: kekSource(config) }),
  );
  return archiveKeyOf(profile, kek, carried.ok ? carried.value : undefined);
}

/** The database to cross-check against, if there is one. */
async function crossCheck(
  config: Config,
  manifestFile: string,
): Promise<ArchiveCrossCheck | { keyKnown: null; recorded: null; note: string }> {
  const checked = await withInstanceDatabase(config, (db) => crossCheckArchive(db, readManifest(manifestFile)));
  return checked.ok
    ? checked.value
    : { keyKnown: null, recorded: null, note: `${checked.note}: not checked against the instance` };
}

async function verify(config: Config, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { "public-key": { type: "string" }, offline: { type: "boolean" } },
    allowPositionals: true,
    strict: true,
  });
  const file = positionals[0];
  if (!file)
    throw new ConfigError("usage: npm run audit:archive-verify -- <archive file> [--public-key HEX] [--offline]");
  const report = verifyArchive(file, {
    archiveKey: await archiveKeyFor(config, values.offline === true),
    ...(values["public-key"] ? { publicKey: values["public-key"] } : {}),
  });
  const instance = values.offline
    ? { keyKnown: null, recorded: null, note: "--offline: not checked against the instance" }
    : await crossCheck(config, manifestPathOf(file));
  const known = instance.keyKnown === null ? null : instance.keyKnown && instance.recorded;
  const ok = report.ok && known !== false;
  process.stdout.write(`${JSON.stringify({ ...report, ok, instance }, null, 2)}\n`);
  process.stderr.write(
    ok
      ? `archive intact: ${report.eventsChecked} events, chain ${report.fromChainSeq}–${report.toChainSeq}, signed by key ${report.keyId}${known === null ? " (not checked against the instance)" : ""} / 归档完整\n`
      : `ARCHIVE INVALID: ${report.finding ? `${report.finding.kind} — ${report.finding.message}` : instance.note} / 归档文件已被篡改或损坏\n`,
  );
  return ok ? 0 : 1;
}

async function search(config: Config, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      actor: { type: "string" },
      action: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      tenant: { type: "string" },
      result: { type: "string" },
      "public-key": { type: "string" },
      offline: { type: "boolean" },
    },
    allowPositionals: true,
    strict: true,
  });
  const file = positionals[0];
  if (!file)
    throw new ConfigError(
      "usage: npm run audit:archive-search -- <archive file> [--actor A] [--action X] [--from ISO] [--to ISO]",
    );
  for (const t of [values.from, values.to]) {
    if (t !== undefined && Number.isNaN(Date.parse(t))) throw new ConfigError(`not a time: ${t}`);
  }
  const q: ArchiveSearch = {};
  for (const k of ["actor", "action", "from", "to", "tenant", "result"] as const) {
    const v = values[k];
    if (v !== undefined) q[k] = v;
  }
  const { events } = openArchive(file, {
    archiveKey: await archiveKeyFor(config, values.offline === true),
    ...(values["public-key"] ? { publicKey: values["public-key"] } : {}),
  });
  let n = 0;
  for (const e of events) {
    if (!matchesSearch(e, q)) continue;
    process.stdout.write(`${JSON.stringify(e)}\n`);
    n++;
  }
  process.stderr.write(`${n} of ${events.length} events match / 匹配 ${n} 条\n`);
  return 0;
}

try {
  const config = loadConfig(process.env);
  const [command, ...args] = process.argv.slice(2);
  if (command === "archive") process.exitCode = await archive(config, args);
  else if (command === "verify") process.exitCode = await verify(config, args);
  else if (command === "search") process.exitCode = await search(config, args);
  else throw new ConfigError("usage: archive-cli.ts archive|verify|search …");
} catch (err) {
  process.stderr.write(`audit archive: ${err instanceof ConfigError ? err.message : String(err)} / 审计归档命令失败\n`);
  process.exitCode = 2;
}
