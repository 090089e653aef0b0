import { createHmac } from "node:crypto";

/**
 * The invisible text watermark (docs/watermarks.md): a trace — who (a 48-bit tag of the user) and
 * when (the minute) — with a 16-bit keyed check, 96 bits in all, written as zero-width characters
 * and embedded in text copied or exported from the platform, again and again, so a fragment of a
 * leaked text still carries a whole frame.
 *
 * Symbols: ZERO WIDTH NON-JOINER = 0, ZERO WIDTH JOINER = 1, WORD JOINER ends a frame. Joiners are
 * kept by messengers because emoji sequences and Indic and Arabic scripts need them; ZERO WIDTH
 * SPACE and BOM, which some strip, are not used. The same 96 bits also print as a 20-character
 * code (Crockford base32) on the visible tile.
 */
export interface Trace {
  /** 6 bytes: see userTag(). */
  userTag: Buffer;
  /** Minutes since the Unix epoch (UTC): 32 bits last until the year 10136. */
  minute: number;
}

const ZERO = "\u200c";
const ONE = "\u200d";
const END = "\u2060";
const BITS = 96;

/** The user's tag: the first 48 bits of HMAC(key, tenant ‖ user). Stable, so it can be indexed. */
export function userTag(key: Buffer, tenantId: string, userId: string): Buffer {
  return createHmac("sha256", key).update(`tianshu.watermark.user\n${tenantId}\n${userId}`).digest().subarray(0, 6);
}

function check(key: Buffer, tag: Buffer, minute: number): Buffer {
  const m = Buffer.alloc(4);
  m.writeUInt32BE(minute >>> 0);
  return createHmac("sha256", key).update("tianshu.watermark.trace\n").update(tag).update(m).digest().subarray(0, 2);
}

function pack(key: Buffer, trace: Trace): Buffer {
  if (trace.userTag.length !== 6) throw new RangeError("a user tag is 6 bytes");
  if (!Number.isInteger(trace.minute) || trace.minute < 0 || trace.minute > 0xffffffff) {
    throw new RangeError("minute out of range");
  }
  const out = Buffer.alloc(12);
  trace.userTag.copy(out, 0);
  out.writeUInt32BE(trace.minute, 6);
  check(key, trace.userTag, trace.minute).copy(out, 10);
  return out;
}

/** The trace back from 12 bytes, or null when the keyed check fails (noise, or forged). */
function unpack(key: Buffer, bytes: Buffer): Trace | null {
  const userTag = Buffer.from(bytes.subarray(0, 6));
  const minute = bytes.readUInt32BE(6);
  return check(key, userTag, minute).equals(bytes.subarray(10, 12)) ? { userTag, minute } : null;
}

/** One frame: 96 joiners and a word joiner. */
export function encodeTrace(key: Buffer, trace: Trace): string {
  const bytes = pack(key, trace);
  let s = "";
  for (let i = 0; i < BITS; i++) s += (bytes[i >> 3] as number) & (0x80 >> (i & 7)) ? ONE : ZERO;
  return s + END;
}

/**
 * The text with a frame after every `every` visible characters (and at least once, at the end of
 * the first run). Never inside a surrogate pair or between a character and its combining marks.
 */
export function embedTrace(text: string, frame: string, every = 24): string {
  const chars = [...text];
  let out = "";
  let run = 0;
  let placed = false;
  chars.forEach((ch, i) => {
    out += ch;
    run += 1;
    const next = chars[i + 1];
    if (run >= every && (next === undefined || !/^\p{M}/u.test(next))) {
      out += frame;
      run = 0;
      placed = true;
    }
  });
  return placed ? out : out + frame;
}

/** Every distinct valid trace found in the text, in order of first appearance. */
export function extractTraces(key: Buffer, text: string): Trace[] {
  const found: Trace[] = [];
  const seen = new Set<string>();
  let bits: number[] = [];
  for (const ch of text) {
    if (ch === ZERO || ch === ONE) {
      bits.push(ch === ONE ? 1 : 0);
      continue;
    }
    if (ch === END && bits.length >= BITS) {
      // The 96 bits before the end mark; a frame cut short fails the keyed check and is ignored.
      const bytes = Buffer.alloc(12);
      bits.slice(-BITS).forEach((b, i) => {
        if (b) bytes[i >> 3] = (bytes[i >> 3] as number) | (0x80 >> (i & 7));
      });
      const trace = unpack(key, bytes);
      const id = trace ? `${trace.userTag.toString("hex")}:${trace.minute}` : "";
      if (trace && !seen.has(id)) {
        seen.add(id);
        found.push(trace);
      }
    }
    bits = []; // any character but a bit ends the run: frames are written unbroken
  }
  return found;
}

// Crockford base32: no I, L, O, U, so a code read off a screenshot is not misread.
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** The visible form of a trace: 20 characters, shown on the tile, decodable like the hidden one. */
export function traceCode(key: Buffer, trace: Trace): string {
  const bytes = pack(key, trace);
  let value = BigInt(`0x${bytes.toString("hex")}`);
  let s = "";
  for (let i = 0; i < 20; i++) {
    s = (ALPHABET[Number(value & 31n)] as string) + s;
    value >>= 5n;
  }
  return s;
}

/** A visible code back to its trace; letters are case-insensitive, I/L read as 1 and O as 0. */
export function parseTraceCode(key: Buffer, code: string): Trace | null {
  const clean = code.toUpperCase().replace(/[\s-]/g, "").replace(/[IL]/g, "1").replace(/O/g, "0");
  if (!/^[0-9A-HJKMNP-TV-Z]{20}$/.test(clean)) return null;
  let value = 0n;
  for (const c of clean) value = (value << 5n) | BigInt(ALPHABET.indexOf(c));
  if (value >> 96n !== 0n) return null;
  return unpack(key, Buffer.from(value.toString(16).padStart(24, "0"), "hex"));
}
