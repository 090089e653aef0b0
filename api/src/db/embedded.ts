import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import type pg from "pg";

/**
 * The pool talks to embedded PGlite over one connection. pglite-socket multiplexes every connection
 * onto PGlite's single backend and keeps one connection's messages together only inside a
 * transaction: two plain parameterised queries sent at once on two connections interleave their
 * Parse/Bind/Execute messages and can get each other's rows (electric-sql/pglite#1046, #977; seen
 * here as an approval naming a department "undefined (undefined)" and a one-time password lost in
 * the browser tests). PGlite runs one statement at a time anyway, so one connection costs nothing.
 */
export const EMBEDDED_POOL_MAX = 1;

/**
 * Embedded PostgreSQL (PGlite, WASM) served on a local socket so the app talks `pg` exactly as it
 * does to a server. All pool connections share one backend session (ARCHITECTURE §4, embedded facts):
 * the embedded default is single-process by construction, which the lock file below enforces.
 */
export interface EmbeddedDatabase {
  connection: pg.ClientConfig;
  /** Where the data lives, for the start-up banner; "memory" for throwaway test databases. */
  location: string;
  /** A tarball of the whole data directory, loadable with `startEmbedded(…, { loadDataDir })`. */
  dumpDataDir(): Promise<Blob>;
  close(): Promise<void>;
}

/** Unix socket paths are limited to ~107 bytes; longer data dirs fall back to loopback TCP. */
const MAX_SOCKET_PATH = 100;

export async function startEmbedded(
  dataDir: string | null,
  opts: { loadDataDir?: Blob } = {},
): Promise<EmbeddedDatabase> {
  const releaseLock = dataDir ? acquireDirLock(dataDir) : () => {};
  let db: PGlite | undefined;
  try {
    const pgDir = dataDir ? path.join(dataDir, "pg") : undefined;
    db = await PGlite.create({
      ...(pgDir ? { dataDir: pgDir } : {}),
      ...(opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {}),
    });
    const runDir = dataDir ? path.join(dataDir, "run") : null;
    const socketPath = runDir ? path.join(runDir, ".s.PGSQL.5432") : null;
    const useSocket = socketPath !== null && runDir !== null && socketPath.length <= MAX_SOCKET_PATH;
    if (useSocket && runDir && socketPath) {
      fs.mkdirSync(runDir, { recursive: true, mode: 0o700 });
      fs.rmSync(socketPath, { force: true });
    }
    const server = new PGLiteSocketServer({
      db,
      ...(useSocket && socketPath ? { path: socketPath } : { host: "127.0.0.1", port: 0 }),
      maxConnections: 64,
    });
    await server.start();
    const connection: pg.ClientConfig =
      useSocket && runDir
        ? { host: runDir, port: 5432, user: "postgres", database: "postgres" }
        : { host: "127.0.0.1", port: serverPort(server), user: "postgres", database: "postgres" };
    const pglite = db;
    return {
      connection,
      location: pgDir ?? "memory",
      dumpDataDir: () => pglite.dumpDataDir("none"),
      async close() {
        await server.stop();
        // close() flushes the WASM file system to disk: without it recent writes are lost.
        await pglite.close();
        releaseLock();
      },
    };
  } catch (err) {
    await db?.close().catch(() => {});
    releaseLock();
    throw err;
  }
}

function serverPort(server: PGLiteSocketServer): number {
  const conn = server.getServerConn();
  const port = Number(conn.split(":").pop());
  if (!Number.isInteger(port) || port <= 0) throw new Error(`embedded database: unexpected listen address ${conn}`);
  return port;
}

export class DataDirLockedError extends Error {}

/** Two processes on one PGlite directory would corrupt it; refuse the second with a clear message. */
function acquireDirLock(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const lockPath = path.join(dataDir, "tianshu.pid");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: "wx", mode: 0o600 });
      return () => fs.rmSync(lockPath, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = Number(fs.readFileSync(lockPath, "utf8").trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new DataDirLockedError(
          `data directory ${dataDir} is in use by process ${holder} / 数据目录正被进程 ${holder} 使用。` +
            " The embedded database serves one process; set DATABASE_URL to run several instances.",
        );
      }
      fs.rmSync(lockPath, { force: true }); // stale lock from a crashed process
    }
  }
  throw new DataDirLockedError(`could not lock data directory ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
