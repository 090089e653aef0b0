import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../config";
import { KeyError, kekFiles, parseKek, readKek, readKekFile, switchKekFile, writeNextKekFile } from "../crypto/keys";
import { cryptoProfile, CryptoProfileMismatchError } from "../crypto/profile";
import { connectDatabase } from "../db/connect";
import { expectedMigrations, pendingMigrations } from "../db/migrate";
import { createLogger } from "../observability/logger";
import { checkRewrap, RewrapRefusedError, rewrapKek } from "./rewrap";

/**
 * `npm run keys:rewrap [-- --new-key-file <file>]`: replaces the KEK without re-encrypting data
 * (docs/crypto.md "Changing the KEK"). Stop every instance first. The old KEK is read as the server
 * reads it (TIANSHU_KEK, else the key file under TIANSHU_DATA_DIR); the new one from TIANSHU_NEW_KEK
 * or --new-key-file (a 0600 file), or — with the key file and neither given — generated.
 *
 * With the key file, the order is what makes a crash at any point recoverable:
 *   1. every wrapped key is opened with the old KEK (nothing written if one does not open);
 *   2. the new KEK is written to keys/kek.next (0600, fsynced, renamed into place);
 *   3. one database transaction re-wraps everything and records crypto.kek.rewrap;
 *   4. keys/kek is copied to keys/kek.previous, then keys/kek.next renamed over keys/kek.
 * The server's start tries kek, kek.next, kek.previous (crypto/keys.ts kekCandidates) and settles the files.
 *
 * Exit status: 0 re-wrapped, 1 refused (nothing changed), 2 failed.
 */
const USAGE = "usage: npm run keys:rewrap [-- --new-key-file <file>]   (or set TIANSHU_NEW_KEK)";

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { "new-key-file": { type: "string" }, help: { type: "boolean" } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const config = loadConfig(process.env);
  const profile = cryptoProfile(config.cryptoProfile);
  const old = readKek({ kek: config.kek, dataDir: config.dataDir, production: config.env === "production" });
  const newKek = newKekFrom(process.env.TIANSHU_NEW_KEK, values["new-key-file"], old.file !== null);
  const logger = createLogger(config.logLevel);
  const database = await connectDatabase(
    { databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: 2, migrate: false },
    logger,
  );
  try {
    const pending = await pendingMigrations(database.pool, expectedMigrations());
    if (pending.length > 0) {
      throw new KeyError(
        `migrations ${pending.join(", ")} are not applied; run npm run migrate (or start the server once) first / 请先执行数据库迁移`,
      );
    }
    // 1. Nothing is written, not even the next key file, unless the old KEK opens every key.
    await checkRewrap(database.db, { profile, oldKek: old.kek, newKek, oldSource: old.source });
    if (old.file) writeNextKekFile(config.dataDir, newKek);
    let result;
    try {
      result = await rewrapKek({
        db: database.db,
        profile,
        oldKek: old.kek,
        newKek,
        oldSource: old.source,
        actorName: `cli:keys:rewrap (${os.userInfo().username}@${os.hostname()})`,
      });
    } catch (err) {
      if (old.file) {
        const next = kekFiles(config.dataDir).next;
        // Refused inside the transaction: certainly rolled back, the next key is of no use. Any other
        // failure (a lost connection during COMMIT) may have committed: the file stays, and the next
        // start uses whichever of kek and kek.next opens the keys (and removes the other).
        if (err instanceof RewrapRefusedError) fs.rmSync(next, { force: true });
        else
          process.stderr.write(`the new KEK stays in ${next} until the next start decides / 新主密钥保留在 ${next}\n`);
      }
      throw err;
    }
    if (old.file) switchKekFile(kekFiles(config.dataDir), newKek);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    process.stderr.write(
      `re-wrapped ${result.dataKeys.length} data keys, ${result.carried.length} carried keys and ` +
        `${result.signingKeys} audit signing keys under the new KEK ${result.newKek} (was ${result.oldKek}) / 已用新主密钥重新封装\n` +
        (old.file
          ? `the key file ${old.file} now holds the new KEK; the old one stays in ${old.file}.previous until the next start / 密钥文件已更新\n`
          : "set TIANSHU_KEK to the new KEK on every instance before starting them; the old KEK no longer starts Tianshu / 请在所有实例上把 TIANSHU_KEK 改为新主密钥后再启动\n"),
    );
    return 0;
  } finally {
    await database.close();
  }
}

function newKekFrom(env: string | undefined, file: string | undefined, withKeyFile: boolean): Buffer {
  if (env && file)
    throw new KeyError("give the new KEK once: TIANSHU_NEW_KEK or --new-key-file, not both / 新主密钥只能指定一处");
  if (env) return parseKek(env);
  if (file) return readKekFile(file);
  if (withKeyFile) return crypto.randomBytes(32);
  throw new KeyError(
    `the old KEK comes from TIANSHU_KEK: give the new one in TIANSHU_NEW_KEK or --new-key-file / 请通过 TIANSHU_NEW_KEK 或 --new-key-file 提供新主密钥\n${USAGE}`,
  );
}

try {
  process.exitCode = await main();
} catch (err) {
  const refused = err instanceof KeyError || err instanceof CryptoProfileMismatchError || err instanceof ConfigError;
  process.stderr.write(
    `keys:rewrap ${refused ? "refused" : "failed"} / 主密钥更换${refused ? "被拒绝" : "失败"}: ${
      err instanceof Error ? err.message : String(err)
    }\n`,
  );
  process.exitCode = refused ? 1 : 2;
}
