import fs from "node:fs";
import path from "node:path";
import { ConfigError, loadConfig } from "../config";
import { withInstanceDatabase } from "../db/instance";
import { AuditExportSignatureSchema } from "./schemas";
import { createDigest, signatureValid } from "./export-signature";

/**
 * `npm run audit:verify-export -- <file> <file>.sig.json [--offline]`: checks an audit export
 * offline — the file's digest against the signature file, and the signature with the public key it
 * names — then, unless --offline, that the key is one of this instance's audit signing keys
 * (DATABASE_URL, or the embedded database under TIANSHU_DATA_DIR when it exists; stop the server
 * first). An unreachable database is reported, not a failure: the offline checks stand alone.
 * Prints a JSON report. Exit status: 0 valid, 1 invalid, 2 could not run.
 */
const USAGE = "usage: npm run audit:verify-export -- <file> <signature.json> [--offline]";

interface Report {
  ok: boolean;
  file: string;
  digestMatches: boolean;
  signatureValid: boolean;
  /** true/false: found or not among audit_signing_keys; null: not checked (offline, no database). */
  keyKnown: boolean | null;
  keyCheck: string;
  exportId: string;
  rows: number;
  signedAt: string;
  keyId: string;
}

async function keyKnown(keyId: string, publicKey: string): Promise<{ known: boolean | null; note: string }> {
  const found = await withInstanceDatabase(loadConfig(process.env), (db) =>
    db
      .selectFrom("audit_signing_keys")
      .select(["id"])
      .where("id", "=", keyId)
      .where("public_key", "=", publicKey)
      .executeTakeFirst(),
  );
  if (!found.ok) return { known: null, note: `${found.note}: key not checked` };
  return found.value
    ? { known: true, note: "the key is one of this instance's audit signing keys" }
    : { known: false, note: "the key id and public key are NOT among this instance's audit signing keys" };
}

async function main(argv: string[]): Promise<number> {
  const offline = argv.includes("--offline");
  const [file, sigFile, ...rest] = argv.filter((a) => a !== "--offline");
  if (!file || !sigFile || rest.length > 0) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const text = fs.readFileSync(sigFile, "utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = AuditExportSignatureSchema.safeParse(json);
  if (!parsed.success) {
    process.stderr.write(`${sigFile} is not an audit export signature file / 不是审计导出签名文件\n`);
    return 1;
  }
  const sig = parsed.data;
  const hash = createDigest(sig.digestAlgorithm);
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  const digestMatches = hash.digest("hex") === sig.digest;
  const valid = signatureValid(sig);
  const key = offline
    ? { known: null, note: "--offline: key not checked against the instance" }
    : await keyKnown(sig.keyId, sig.publicKey);
  const report: Report = {
    ok: digestMatches && valid && key.known !== false,
    file,
    digestMatches,
    signatureValid: valid,
    keyKnown: key.known,
    keyCheck: key.note,
    exportId: sig.exportId,
    rows: sig.rows,
    signedAt: sig.signedAt,
    keyId: sig.keyId,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  if (path.basename(file) !== sig.fileName) {
    process.stderr.write(`note: the file was renamed (signed as ${sig.fileName})\n`);
  }
  process.stderr.write(
    report.ok
      ? `export intact: ${sig.rows} rows, ${sig.digestAlgorithm} digest and ` +
          `${sig.signatureAlgorithm} signature verified` +
          `${key.known === null ? " (signing key not checked)" : ""} / 导出文件完整\n`
      : `EXPORT INVALID: ${!digestMatches ? "the file does not match its digest; " : ""}` +
          `${!valid ? "the signature does not verify; " : ""}${key.known === false ? key.note : ""} / 导出文件校验失败\n`,
  );
  return report.ok ? 0 : 1;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(
    `audit:verify-export failed / 导出文件校验失败: ${err instanceof ConfigError ? err.message : String(err)}\n`,
  );
  process.exitCode = 2;
}
