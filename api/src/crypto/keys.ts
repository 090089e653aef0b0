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

// ---- Changing the KEK (docs/crypto.md "Changing the KEK"; api/src/keys/rewrap.ts) ----

/** The key file and its two companions during a re-wrap: `kek.next` (the new KEK before the switch), `kek.previous`. */
export function kekFiles(dataDir: string): { current: string; next: string; previous: string } {
  const current = kekFile(dataDir);
  return { current, next: `${current}.next`, previous: `${current}.previous` };
}

/** Reads a 0600 key file (refused when group/others may read it). */
export function readKekFile(file: string): Buffer {
  const mode = fs.statSync(file).mode & 0o777;
  if (mode & 0o077) throw new KeyError(`${file} must not be readable by others (chmod 600) / 密钥文件权限过宽`);
  return parseKek(fs.readFileSync(file, "utf8").trim());
}

/**
 * The KEK as the server would load it, for tools: from TIANSHU_KEK, else the key file — which must
 * exist (a tool never generates one).
 */
export function readKek(opts: { kek: string | undefined; dataDir: string; production: boolean }): {
  kek: Buffer;
  source: string;
  file: string | null;
} {
  if (opts.kek) return { kek: parseKek(opts.kek), source: "TIANSHU_KEK", file: null };
  if (opts.production) throw new KeyError("TIANSHU_KEK must be set in production / 生产环境必须设置 TIANSHU_KEK");
  const file = kekFile(opts.dataDir);
  if (!fs.existsSync(file)) throw new KeyError(`no key file at ${file} and TIANSHU_KEK is unset / 未找到密钥文件`);
  return { kek: readKekFile(file), source: kekSource(opts), file };
}

/** A KEK the start-up may try, in order, and what to do with the files once it is the one that opens. */
export interface KekCandidate {
  kek: Buffer;
  source: string;
  /** Called once this candidate opened every stored key: finishes or cleans up an interrupted switch. */
  settle(): void;
}

/**
 * What the server tries at start (data-keys.ts loadDataKeysWithCandidates). With TIANSHU_KEK: that
 * KEK only. With the key file: `kek`, then `kek.next` (a re-wrap committed in the database but
 * interrupted before the file switch: it is then finished), then `kek.previous` (the KEK before the
 * last re-wrap, accepted until a start with `kek` succeeds, which deletes it). Generates the key file
 * on a first start, as loadKek does.
 */
export function kekCandidates(opts: { kek: string | undefined; dataDir: string; production: boolean }): KekCandidate[] {
  const first = loadKek(opts);
  if (opts.kek) return [{ kek: first, source: "TIANSHU_KEK", settle() {} }];
  const files = kekFiles(opts.dataDir);
  const remove = (file: string) => fs.rmSync(file, { force: true });
  const candidates: KekCandidate[] = [
    {
      kek: first,
      source: kekSource(opts),
      // The switch is complete (or never committed): neither companion is needed any more.
      settle() {
        remove(files.next);
        remove(files.previous);
        syncDir(path.dirname(files.current));
      },
    },
  ];
  if (fs.existsSync(files.next)) {
    candidates.push({
      kek: readKekFile(files.next),
      source: `the key file ${files.next}`,
      settle: () => switchKekFile(files),
    });
  }
  if (fs.existsSync(files.previous)) {
    candidates.push({ kek: readKekFile(files.previous), source: `the key file ${files.previous}`, settle() {} });
  }
  return candidates;
}

/**
 * Step 1 of a re-wrap with the key file, before the database commit: the new KEK goes to `kek.next`
 * (written to a temporary file, fsynced, renamed: never half a key).
 */
export function writeNextKekFile(dataDir: string, kek: Buffer): void {
  const files = kekFiles(dataDir);
  writeFileDurably(files.next, `${kek.toString("hex")}\n`);
}

/**
 * Step 3, after the commit: `kek` is copied to `kek.previous`, then `kek.next` renamed over `kek` — a
 * rename is atomic, so `kek` always holds a whole key, old or new, and never goes missing (a missing
 * key file would make the next start generate a new one). With `kek`, `kek.next` is (re)written from
 * it first, so the switch does not depend on the file surviving until now.
 */
export function switchKekFile(files: { current: string; next: string; previous: string }, kek?: Buffer): void {
  if (kek) writeFileDurably(files.next, `${kek.toString("hex")}\n`);
  if (!fs.existsSync(files.next)) return;
  if (fs.existsSync(files.current)) writeFileDurably(files.previous, fs.readFileSync(files.current, "utf8"));
  fs.renameSync(files.next, files.current);
  syncDir(path.dirname(files.current));
}

function writeFileDurably(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, "w", 0o600);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
  syncDir(path.dirname(file));
}

function syncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, "r");
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself is still atomic.
  }
}

/** A short, non-secret name for a KEK in audit events and messages: the first 16 hex digits of SM3/SHA-256 over a label and the key. */
export function kekFingerprint(hash: (data: Buffer) => Buffer, kek: Buffer): string {
  return hash(Buffer.concat([Buffer.from("tianshu:kek-fingerprint\u0000"), kek]))
    .toString("hex")
    .slice(0, 16);
}
