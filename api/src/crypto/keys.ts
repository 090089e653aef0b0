import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/**
 * The key-encryption key (KEK): from TIANSHU_KEK (32 bytes, hex or base64), or — outside production —
 * a 0600 file under the data directory, generated on first start (ARCHITECTURE §4.7).
 * The KEK only wraps the versioned data keys (data-keys.ts); field values are sealed with those.
 */
export class KeyError extends Error {}

const KEK_BYTES = 32;

export function loadKek(opts: { kek: string | undefined; dataDir: string; production: boolean }): Buffer {
  if (opts.kek) return parseKek(opts.kek);
  if (opts.production) {
    throw new KeyError("TIANSHU_KEK must be set in production / 生产环境必须设置 TIANSHU_KEK");
  }
  const file = kekFile(opts.dataDir);
  if (fs.existsSync(file)) {
    const mode = fs.statSync(file).mode & 0o777;
    if (mode & 0o077) throw new KeyError(`${file} must not be readable by others (chmod 600) / 密钥文件权限过宽`);
    return parseKek(fs.readFileSync(file, "utf8").trim());
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const kek = crypto.randomBytes(KEK_BYTES);
  // "wx": never overwrite a key another process wrote in the meantime.
  fs.writeFileSync(file, `${kek.toString("hex")}\n`, { mode: 0o600, flag: "wx" });
  return kek;
}

/** Where loadKek takes the KEK from with these options, for messages: "TIANSHU_KEK" or the key file. */
export function kekSource(opts: { kek: string | undefined; dataDir: string }): string {
  return opts.kek ? "TIANSHU_KEK" : `the key file ${kekFile(opts.dataDir)}`;
}

const kekFile = (dataDir: string) => path.join(dataDir, "keys", "kek");

export function parseKek(text: string): Buffer {
  const trimmed = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, "hex") : Buffer.from(trimmed, "base64");
  if (bytes.length !== KEK_BYTES) {
    throw new KeyError("the KEK must be 32 bytes, as 64 hex digits or base64 / 主密钥须为 32 字节");
  }
  return bytes;
}
