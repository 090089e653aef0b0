import type { Logger } from "pino";
import supertest from "supertest";
import { createApp, type TianshuApp } from "../../api/src/app";
import { createAclIntegrity } from "../../api/src/authz/integrity";
import { bootstrapPlatform } from "../../api/src/bootstrap/admins";
import { type Config, loadConfig } from "../../api/src/config";
import { loadDataKeys } from "../../api/src/crypto/data-keys";
import { parseKek } from "../../api/src/crypto/keys";
import { cryptoProfile } from "../../api/src/crypto/profile";
import { createServices, type Services } from "../../api/src/services";
import type { AdminRole } from "../../policies/subjects";
import { silentLogger, type TestDatabase, testDatabase } from "./db";
import { INIT_PASSWORDS, newSm2Key, type Sm2Key, signChallenge } from "./server-process";

export { INIT_PASSWORDS };
/** What helpers change them to. */
export const NEW_PASSWORD = "Changed-Pass-2026#";

/** A fixed key for tests; never used outside them. */
export const TEST_KEK = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

export interface TestApp extends TianshuApp {
  database: TestDatabase;
  services: Services;
  config: Config;
  platformTenantId: string;
  http: ReturnType<typeof supertest>;
  /**
   * A supertest agent signed in as `role`, second factor included: the first sign-in of a role on a
   * database registers an SM2 key for it (the test client's "USB key"), later ones sign a challenge
   * with it — so any number of sign-ins within one TOTP step work without weakening replay checks.
   * With `changed` (default) the one-time password is changed; with `mfa: false` the agent stops
   * after the password (its session waits for the second factor).
   * The tenant's concurrent-session limit applies (default 3 per account): a fourth fully signed-in
   * agent of one role ends the oldest one's session.
   */
  signIn(role: AdminRole, opts?: { changed?: boolean; mfa?: boolean }): Promise<ReturnType<typeof supertest.agent>>;
  /** The SM2 key the harness registered for `role` (after its first signIn), to sign challenges in tests. */
  sm2KeyOf(role: AdminRole): Sm2Key | undefined;
  close(): Promise<void>;
}

export async function startTestApp(
  env: Record<string, string> = {},
  opts: { proxy?: boolean; logger?: Logger; database?: TestDatabase; kek?: string } = {},
): Promise<TestApp> {
  const config = loadConfig({ TIANSHU_AUTH_RATE_LIMIT: "1000", TIANSHU_PBKDF2_ITERATIONS: "100000", ...env });
  // With `database`, a second API instance on the same database (as behind a load balancer).
  const database = opts.database ?? (await testDatabase({ proxy: opts.proxy }));
  const kek = parseKek(opts.kek ?? TEST_KEK);
  // As in server.ts: the data keys (version 1 created on a fresh database) before the services.
  const dataKeys = await loadDataKeys({
    db: database.db,
    kek,
    profile: cryptoProfile(config.cryptoProfile),
    kekSource: "TIANSHU_KEK",
  });
  const bootstrap = await bootstrapPlatform(
    database.db,
    INIT_PASSWORDS,
    config.pbkdf2Iterations,
    createAclIntegrity(cryptoProfile(config.cryptoProfile), kek, dataKeys),
  );
  const logger = opts.logger ?? silentLogger;
  const services = createServices({
    db: database.db,
    config,
    logger,
    kek,
    dataKeys,
    platformTenantId: bootstrap.platformTenantId,
  });
  const tianshu = createApp({
    config,
    logger,
    db: database.db,
    services,
    platformTenantId: bootstrap.platformTenantId,
    readiness: () => database.readiness(),
    consoleDir: null,
    version: "test",
  });
  const http = supertest(tianshu.app);
  // What the accounts of this database have been through: shared by API instances on one database.
  let state = harnessState.get(database);
  if (!state) {
    state = { changed: new Set(), keys: new Map() };
    harnessState.set(database, state);
  }
  const { changed, keys } = state;
  return {
    ...tianshu,
    database,
    services,
    config,
    platformTenantId: bootstrap.platformTenantId,
    http,
    async signIn(role, opts = {}) {
      const agent = supertest.agent(tianshu.app);
      const password = changed.has(role) ? NEW_PASSWORD : INIT_PASSWORDS[role];
      const login = await agent.post("/api/v1/auth/login").send({ username: role, password });
      if (login.status !== 200) throw new Error(`sign-in as ${role} failed: ${login.status} ${login.text}`);
      if (opts.mfa !== false) await secondFactor(agent, role, login.body.next, keys);
      if (opts.changed !== false && !changed.has(role)) {
        const res = await agent
          .post("/api/v1/auth/password")
          .send({ currentPassword: INIT_PASSWORDS[role], newPassword: NEW_PASSWORD });
        if (res.status !== 204) throw new Error(`password change for ${role} failed: ${res.status} ${res.text}`);
        changed.add(role);
      }
      return agent;
    },
    sm2KeyOf: (role) => keys.get(role),
    close: () => (opts.database ? Promise.resolve() : database.close()),
  };
}

interface HarnessState {
  changed: Set<AdminRole>;
  keys: Map<AdminRole, Sm2Key>;
}
const harnessState = new WeakMap<TestDatabase, HarnessState>();

async function secondFactor(
  agent: ReturnType<typeof supertest.agent>,
  role: AdminRole,
  next: unknown,
  keys: Map<AdminRole, Sm2Key>,
): Promise<void> {
  if (next !== "mfa-enroll" && next !== "mfa-verify") return;
  let key = keys.get(role);
  if (next === "mfa-verify" && !key) {
    throw new Error(`${role} has a second factor the test harness does not hold (enrolled by a test?)`);
  }
  const challenge = await agent.post("/api/v1/auth/mfa/sm2/challenge");
  if (challenge.status !== 200) throw new Error(`SM2 challenge for ${role}: ${challenge.status} ${challenge.text}`);
  const { challengeId, nonce } = challenge.body as { challengeId: string; nonce: string };
  if (next === "mfa-enroll") {
    key ??= newSm2Key();
    const res = await agent
      .post("/api/v1/auth/mfa/sm2/register")
      .send({ publicKey: key.publicKey, label: "test harness key", challengeId, signature: signChallenge(nonce, key) });
    if (res.status !== 201) throw new Error(`SM2 enrolment for ${role} failed: ${res.status} ${res.text}`);
    keys.set(role, key);
  } else if (key) {
    const res = await agent
      .post("/api/v1/auth/mfa/sm2/verify")
      .send({ challengeId, signature: signChallenge(nonce, key) });
    if (res.status !== 204) throw new Error(`SM2 verification for ${role} failed: ${res.status} ${res.text}`);
  }
}

/** Number of rows in the audit log, to assert that something was (or was not) recorded. */
export async function auditCount(app: TestApp, where: { action?: string; result?: string } = {}): Promise<number> {
  let q = app.database.db.selectFrom("audit_events").select((eb) => eb.fn.countAll<string>().as("n"));
  if (where.action) q = q.where("action", "=", where.action);
  if (where.result) q = q.where("result", "=", where.result as "success");
  return Number((await q.executeTakeFirstOrThrow()).n);
}
