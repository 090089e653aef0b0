import { apiRequest } from "../../api/http";
import type { FactorKind } from "../../session/steps";
import { type Sm2Key, signNonce } from "./sm2Key";

/** The second-factor endpoints of /api/v1/auth/mfa, typed as the contract gives them. */

export interface TotpEnrollment {
  secret: string;
  otpauthUri: string;
}

export interface Factor {
  id: string;
  kind: FactorKind;
  label: string;
  createdAt: string;
  confirmedAt: string | null;
}

interface Challenge {
  challengeId: string;
  nonce: string;
  expiresAt: string;
}

const post = async <T>(path: string, body?: unknown): Promise<T> =>
  (await apiRequest<T>(path, { method: "POST", body })).data;

export const startTotpEnrollment = () => post<TotpEnrollment>("/auth/mfa/totp/enroll");

export const confirmTotp = (code: string) =>
  post<{ recoveryCodes: string[] }>("/auth/mfa/totp/confirm", { code }).then((r) => r.recoveryCodes);

export const verifyTotp = (code: string) => post<void>("/auth/mfa/totp/verify", { code });

export const verifyRecoveryCode = (code: string) => post<void>("/auth/mfa/recovery/verify", { code });

export const regenerateRecoveryCodes = () =>
  post<{ recoveryCodes: string[] }>("/auth/mfa/recovery/regenerate").then((r) => r.recoveryCodes);

/** Fetches a fresh challenge and signs it here; the private key never leaves the browser. */
async function signedChallenge(key: Sm2Key): Promise<{ challengeId: string; signature: string }> {
  const challenge = await post<Challenge>("/auth/mfa/sm2/challenge");
  return { challengeId: challenge.challengeId, signature: signNonce(challenge.nonce, key) };
}

export async function verifySm2(key: Sm2Key): Promise<void> {
  await post<void>("/auth/mfa/sm2/verify", await signedChallenge(key));
}

/** A registered key; `recoveryCodes` (shown once) when it is the account's first factor. */
export interface Sm2Registration {
  factor: Factor;
  recoveryCodes?: string[];
}

/**
 * Registers the public key with a proof of possession: a signature over a server nonce. As the first factor at
 * sign-in this also verifies the session (the server replaces the session cookie in the same answer).
 */
export async function registerSm2(key: Sm2Key, label: string): Promise<Sm2Registration> {
  const signed = await signedChallenge(key);
  return post<Sm2Registration>("/auth/mfa/sm2/register", { publicKey: key.publicKey, label, ...signed });
}

export const listFactors = async () => (await apiRequest<Factor[]>("/auth/mfa/factors")).data;

export const removeFactor = (id: string) =>
  apiRequest<void>(`/auth/mfa/factors/${encodeURIComponent(id)}`, { method: "DELETE" });
