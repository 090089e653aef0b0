import crypto from "node:crypto";

/** A session token: 256 random bits for the cookie; the database keeps only its SM3 digest. */
export function newSessionToken(): { token: string; id: string } {
  const token = crypto.randomBytes(32).toString("base64url");
  return { token, id: sessionIdOf(token) };
}

export function sessionIdOf(token: string): string {
  return crypto.createHash("sm3").update(token).digest("hex");
}

/** Cookie tokens are 43 base64url characters; anything else is not worth a database round trip. */
export function looksLikeToken(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value);
}
