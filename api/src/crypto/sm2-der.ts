/**
 * The DER form of an SM2 signature, SEQUENCE { r INTEGER, s INTEGER } (GM/T 0009 / GB/T 35276), as
 * sm-crypto writes it with `{ der: true }`. Decoding is strict: only the canonical encoding of two
 * positive integers below 2^256 is accepted, so a signature has exactly one DER spelling.
 */
function encodeInteger(v: bigint): Buffer {
  let hex = v.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, "hex");
  // A set top bit would read as negative: prefix 00.
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

export function encodeSignatureDer(r: bigint, s: bigint): Buffer {
  const body = Buffer.concat([encodeInteger(r), encodeInteger(s)]);
  // Two integers of at most 33 bytes each: the length always fits the short form.
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

function readInteger(der: Buffer, at: number): { value: bigint; next: number } | undefined {
  if (der[at] !== 0x02) return undefined;
  const length = der[at + 1];
  if (length === undefined || length === 0 || length > 33) return undefined;
  const bytes = der.subarray(at + 2, at + 2 + length);
  if (bytes.length !== length) return undefined;
  const first = bytes[0] ?? 0;
  if (first & 0x80) return undefined; // negative
  if (first === 0 && length > 1 && !((bytes[1] ?? 0) & 0x80)) return undefined; // needless leading zero
  if (length === 33 && first !== 0) return undefined; // above 2^256
  return { value: BigInt(`0x${bytes.toString("hex")}`), next: at + 2 + length };
}

export function decodeSignatureDer(der: Buffer): { r: bigint; s: bigint } | undefined {
  if (der.length < 8 || der[0] !== 0x30 || der[1] !== der.length - 2) return undefined;
  const r = readInteger(der, 2);
  if (!r) return undefined;
  const s = readInteger(der, r.next);
  if (!s || s.next !== der.length) return undefined;
  return { r: r.value, s: s.value };
}
