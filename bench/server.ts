import crypto from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type pg from "pg";
import { type AclIntegrity, createAclIntegrity } from "../api/src/authz/integrity";
import { loadKek } from "../api/src/crypto/keys";
import { cryptoProfile } from "../api/src/crypto/profile";
import { dropDatabaseAt, emptyDatabaseOn } from "../test/support/db";
import { freePort, spawnMain, waitReady } from "../test/support/server-process";

/**
 * The HTTP benchmarks' prologue: a real server process on a fresh database of the PostgreSQL server,
 * started once to migrate and create the platform tenant, stopped while `seed` writes the rows the
 * benchmark needs directly in SQL (with the MACs of the KEK the server generated), and started again.
 */
export interface SeededServer<T> {
  base: string;
  databaseUrl: string;
  seeded: T;
  /** Stops the server (if still running) and drops its database and data directory. */
  close(): Promise<void>;
  /** Stops the server only; the database stays until close(). */
  stopServer(): Promise<void>;
}

export async function startSeededServer<T>(
  serverUrl: string,
  extraEnv: Record<string, string>,
  seed: (databaseUrl: string, integrity: AclIntegrity) => Promise<T>,
): Promise<SeededServer<T>> {
  const databaseUrl = await emptyDatabaseOn(serverUrl);
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "tianshu-bench-"));
  const env = {
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    HOST: "127.0.0.1",
    TIANSHU_DATA_DIR: dataDir,
    ...extraEnv,
  };
  const base = `http://127.0.0.1:${port}`;
  let proc = spawnMain(env);
  const stopServer = async () => {
    if (proc.child.exitCode === null) {
      proc.child.kill("SIGTERM");
      await proc.exited;
    }
  };
  const close = async () => {
    await stopServer();
    await dropDatabaseAt(serverUrl, databaseUrl);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await waitReady(base, proc); // migrates and creates the platform tenant
    await stopServer();
    const kek = loadKek({ kek: undefined, dataDir, production: false });
    const seeded = await seed(databaseUrl, createAclIntegrity(cryptoProfile("gm"), kek));
    proc = spawnMain(env);
    await waitReady(base, proc);
    return { base, databaseUrl, seeded, close, stopServer };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The platform tenant and its first account (the bootstrap admin), for rows that need an owner. */
export async function platformTenant(client: pg.Client): Promise<{ tenant: string; admin: string }> {
  const tenant = (await client.query("SELECT id FROM tenants ORDER BY created_at LIMIT 1")).rows[0].id as string;
  const admin = (await client.query("SELECT id FROM users WHERE tenant_id = $1 LIMIT 1", [tenant])).rows[0]
    .id as string;
  return { tenant, admin };
}

/** An API client with the given scopes, its MAC included; returns its Authorization header value. */
export async function insertApiClient(
  client: pg.Client,
  integrity: AclIntegrity,
  owner: { tenant: string; admin: string },
  scopes: string[],
): Promise<string> {
  const cid = crypto.randomUUID();
  const secret = crypto.randomBytes(32).toString("base64url");
  const digest = crypto.createHash("sm3").update(secret).digest("hex");
  const mac = integrity.mac("api_client", {
    id: cid,
    tenantId: owner.tenant,
    secretHash: digest,
    scopes,
    revoked: false,
  });
  await client.query(
    "INSERT INTO api_clients (id, tenant_id, name, secret_hash, scopes, created_by, mac) VALUES ($1,$2,'bench',$3,$4,$5,$6)",
    [cid, owner.tenant, digest, scopes, owner.admin, mac],
  );
  return `Bearer ${cid}.${secret}`;
}
