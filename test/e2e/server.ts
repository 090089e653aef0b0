import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { AdminRole } from "../../policies/subjects";

export const ROOT = path.resolve(import.meta.dirname, "../..");

/** The one-time passwords the server gives the three admin accounts on first start. */
export const INIT_PASSWORDS: Record<AdminRole, string> = {
  sysadmin: "Init-Sys-Pass-2026!",
  secadmin: "Init-Sec-Pass-2026!",
  auditadmin: "Init-Aud-Pass-2026!",
};

export interface RunningServer {
  baseUrl: string;
  /** The server's stdout and stderr so far, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/**
 * A database nobody used before: with DATABASE_URL set, a fresh database on that server (the admins'
 * one-time passwords only work once, so reusing a database would fail the second run); otherwise the
 * server's embedded default inside the temporary data directory.
 */
async function freshDatabaseUrl(): Promise<{ url: string | undefined; drop: () => Promise<void> }> {
  if (!process.env.DATABASE_URL) return { url: undefined, drop: async () => {} };
  const { emptyServerDatabase, dropServerDatabase } = await import("../support/db");
  const url = await emptyServerDatabase();
  return { url, drop: () => dropServerDatabase(url) };
}

/** Starts `node --import tsx api/src/main.ts` on a free port and waits until GET /readyz answers 200. */
export async function startServer(readyTimeoutMs = 60_000): Promise<RunningServer> {
  if (!existsSync(path.join(ROOT, "console/dist/index.html"))) {
    throw new Error("console/dist is missing: run `npm run build` before the e2e tests");
  }
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "tianshu-e2e-"));
  const database = await freshDatabaseUrl();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: "127.0.0.1",
    TIANSHU_DATA_DIR: dataDir,
    TIANSHU_INIT_PASSWORD_SYSADMIN: INIT_PASSWORDS.sysadmin,
    TIANSHU_INIT_PASSWORD_SECADMIN: INIT_PASSWORDS.secadmin,
    TIANSHU_INIT_PASSWORD_AUDITADMIN: INIT_PASSWORDS.auditadmin,
    LOG_LEVEL: "warn",
  };
  if (database.url) env.DATABASE_URL = database.url;
  // The test runner marks its children through this variable; the server is not a test file.
  delete env.NODE_TEST_CONTEXT;

  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "api/src/main.ts"], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const res = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return { baseUrl, output: () => output, stop };
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stop();
  throw new Error(`server did not become ready within ${readyTimeoutMs} ms:\n${output}`);
}
