import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import smCrypto from "sm-crypto";
import type { AdminRole } from "../../policies/subjects";

/** Tianshu's real entry point as an operator runs it, for process, browser and benchmark runs. */
export const ROOT = path.resolve(import.meta.dirname, "../..");
const MAIN = path.join(ROOT, "api/src/main.ts");

export const INIT_PASSWORDS: Record<AdminRole, string> = {
  sysadmin: "Init-Sys-Pass-2026!",
  secadmin: "Init-Sec-Pass-2026!",
  auditadmin: "Init-Aud-Pass-2026!",
};

/** An SM2 key pair a test client holds as its second factor (sm-crypto, hex). */
export interface Sm2Key {
  publicKey: string;
  privateKey: string;
}

export function newSm2Key(): Sm2Key {
  const { publicKey, privateKey } = smCrypto.sm2.generateKeyPairHex();
  return { publicKey, privateKey };
}

/** Signs a server challenge exactly as a client does: SM3 with Z of the GM/T 0003 default user ID. */
export function signChallenge(nonce: string, key: Sm2Key): string {
  return smCrypto.sm2.doSignature(nonce, key.privateKey, { hash: true });
}

/**
 * Completes the second factor of a session over plain HTTP (process, browser-less and benchmark
 * runs): registers `key` when the sign-in asks for enrolment, or signs a challenge with it.
 * Passing the second factor replaces the session's token (the old cookie stops working), so this
 * resolves to the cookie to send from then on — `cookie` itself when nothing was owed.
 */
export async function completeSecondFactorOverHttp(
  baseUrl: string,
  cookie: string,
  next: string | null,
  key: Sm2Key,
): Promise<string> {
  if (next !== "mfa-enroll" && next !== "mfa-verify") return cookie;
  const post = async (path: string, body?: unknown) => {
    const res = await fetch(`${baseUrl}/api/v1/auth/mfa/${path}`, {
      method: "POST",
      headers: { cookie, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : null,
    });
    if (!res.ok) throw new Error(`second factor: ${path} answered ${res.status} ${await res.text()}`);
    return res;
  };
  const challenge = (await (await post("sm2/challenge")).json()) as { challengeId: string; nonce: string };
  const signature = signChallenge(challenge.nonce, key);
  const verified =
    next === "mfa-enroll"
      ? await post("sm2/register", {
          publicKey: key.publicKey,
          label: "test client",
          challengeId: challenge.challengeId,
          signature,
        })
      : await post("sm2/verify", { challengeId: challenge.challengeId, signature });
  const renewed = verified.headers.get("set-cookie")?.split(";")[0];
  if (!renewed) throw new Error("second factor: the verified session came back without its new cookie");
  return renewed;
}

export async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", resolve);
  });
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export interface MainProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/** Spawns `node --import tsx api/src/main.ts` with exactly the given database settings. */
export function spawnMain(env: Record<string, string>): MainProcess {
  const base: NodeJS.ProcessEnv = { ...process.env };
  delete base.DATABASE_URL; // the caller decides: absent = embedded
  delete base.NODE_TEST_CONTEXT; // the server is not a test file
  const child = spawn(process.execPath, ["--import", "tsx", MAIN], {
    cwd: ROOT,
    env: { ...base, LOG_LEVEL: "warn", TIANSHU_PBKDF2_ITERATIONS: "100000", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (d) => (out += d));
  child.stderr?.on("data", (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

// Generous: a cold start (tsx compile, migrations, PGlite) on a loaded 2-core CI machine can take a minute.
export async function waitReady(baseUrl: string, proc: MainProcess, ms = 150_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`server exited early:\n${proc.stderr()}`);
    try {
      const res = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`server not ready within ${ms} ms:\n${proc.stderr()}`);
}

export interface RunningServer {
  baseUrl: string;
  /** The server database's URL; null on the embedded default (its one backend is the process's own). */
  databaseUrl: string | null;
  /** The server's stdout and stderr so far, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * A server on a database nobody used before (the one-time passwords work only once): a fresh
 * database on the server at `databaseUrl`, or the embedded default in a temporary data directory.
 */
export async function startServerProcess(
  opts: { databaseUrl?: string | undefined; env?: Record<string, string> } = {},
): Promise<RunningServer> {
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "tianshu-proc-"));
  let dropDatabase = async () => {};
  const env: Record<string, string> = {
    PORT: String(port),
    HOST: "127.0.0.1",
    TIANSHU_DATA_DIR: dataDir,
    TIANSHU_INIT_PASSWORD_SYSADMIN: INIT_PASSWORDS.sysadmin,
    TIANSHU_INIT_PASSWORD_SECADMIN: INIT_PASSWORDS.secadmin,
    TIANSHU_INIT_PASSWORD_AUDITADMIN: INIT_PASSWORDS.auditadmin,
    ...opts.env,
  };
  if (opts.databaseUrl) {
    const { emptyDatabaseOn, dropDatabaseAt } = await import("./db");
    const url = await emptyDatabaseOn(opts.databaseUrl);
    env.DATABASE_URL = url;
    dropDatabase = () => dropDatabaseAt(opts.databaseUrl as string, url);
  }
  const proc = spawnMain(env);
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (proc.child.exitCode === null && proc.child.signalCode === null) {
      proc.child.kill("SIGTERM");
      const timer = setTimeout(() => proc.child.kill("SIGKILL"), 10_000);
      await proc.exited;
      clearTimeout(timer);
    }
    await dropDatabase();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await waitReady(baseUrl, proc);
  } catch (err) {
    await stop();
    throw err;
  }
  return { baseUrl, databaseUrl: env.DATABASE_URL ?? null, output: () => proc.stdout() + proc.stderr(), stop };
}
