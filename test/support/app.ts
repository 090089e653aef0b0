import type { Logger } from "pino";
import supertest from "supertest";
import { createApp, type TianshuApp } from "../../api/src/app";
import { bootstrapPlatform } from "../../api/src/bootstrap/admins";
import { type Config, loadConfig } from "../../api/src/config";
import { parseKek } from "../../api/src/crypto/keys";
import { createServices, type Services } from "../../api/src/services";
import type { AdminRole } from "../../policies/subjects";
import { silentLogger, type TestDatabase, testDatabase } from "./db";
import { INIT_PASSWORDS } from "./server-process";

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
  /** A supertest agent signed in as `role`; with `changed` (default) the one-time password is changed. */
  signIn(role: AdminRole, opts?: { changed?: boolean }): Promise<ReturnType<typeof supertest.agent>>;
  close(): Promise<void>;
}

export async function startTestApp(
  env: Record<string, string> = {},
  opts: { proxy?: boolean; logger?: Logger; database?: TestDatabase } = {},
): Promise<TestApp> {
  const config = loadConfig({ TIANSHU_AUTH_RATE_LIMIT: "1000", TIANSHU_PBKDF2_ITERATIONS: "100000", ...env });
  // With `database`, a second API instance on the same database (as behind a load balancer).
  const database = opts.database ?? (await testDatabase({ proxy: opts.proxy }));
  const bootstrap = await bootstrapPlatform(database.db, INIT_PASSWORDS, config.pbkdf2Iterations);
  const logger = opts.logger ?? silentLogger;
  const services = createServices({
    db: database.db,
    config,
    logger,
    kek: parseKek(TEST_KEK),
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
  const changed = new Set<AdminRole>();
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
      if (opts.changed !== false && !changed.has(role)) {
        const res = await agent
          .post("/api/v1/auth/password")
          .send({ currentPassword: INIT_PASSWORDS[role], newPassword: NEW_PASSWORD });
        if (res.status !== 204) throw new Error(`password change for ${role} failed: ${res.status} ${res.text}`);
        changed.add(role);
      }
      return agent;
    },
    close: () => (opts.database ? Promise.resolve() : database.close()),
  };
}

/** Number of rows in the audit log, to assert that something was (or was not) recorded. */
export async function auditCount(app: TestApp, where: { action?: string; result?: string } = {}): Promise<number> {
  let q = app.database.db.selectFrom("audit_events").select((eb) => eb.fn.countAll<string>().as("n"));
  if (where.action) q = q.where("action", "=", where.action);
  if (where.result) q = q.where("result", "=", where.result as "success");
  return Number((await q.executeTakeFirstOrThrow()).n);
}
