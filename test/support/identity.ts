import { Secret, TOTP } from "otpauth";
import supertest from "supertest";
import { hashPassword } from "../../api/src/auth/password";
import type { SecuritySettings } from "../../api/src/settings/schemas";
import type { TestApp } from "./app";

/** Test fixtures for sign-in security: plain accounts, TOTP codes, settings changes. */

type Agent = ReturnType<typeof supertest.agent>;

/** An ordinary account (no admin role), straight into the database. */
export async function insertUser(
  app: TestApp,
  u: { username: string; password: string; mustChangePassword?: boolean; passwordChangedAt?: Date },
): Promise<string> {
  const row = await app.database.db
    .insertInto("users")
    .values({
      tenant_id: app.platformTenantId,
      username: u.username,
      display_name: u.username,
      password_hash: await hashPassword(u.password, app.config.pbkdf2Iterations),
      must_change_password: u.mustChangePassword ?? false,
      password_changed_at: u.passwordChangedAt ?? new Date(),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Signs in through the API as a person would; returns the agent and the login answer. */
export async function login(
  app: TestApp,
  username: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<{ agent: Agent; res: supertest.Response }> {
  const agent = supertest.agent(app.app);
  const res = await agent.post("/api/v1/auth/login").set(headers).send({ username, password });
  return { agent, res };
}

/** The code an authenticator app shows `offsetSteps` 30-second steps from now. */
export function totpCode(secret: string, offsetSteps = 0): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: Date.now() + offsetSteps * 30_000 });
}

/** Reads the settings, changes them with `mutate`, and PUTs them back with the ETag read. */
export async function changeSettings(
  agent: Agent,
  mutate: (s: SecuritySettings) => void,
  headers: Record<string, string> = {},
): Promise<supertest.Response> {
  const current = await agent.get("/api/v1/security-settings").set(headers);
  if (current.status !== 200) throw new Error(`read settings: ${current.status} ${current.text}`);
  const settings = structuredClone(current.body.settings) as SecuritySettings;
  mutate(settings);
  return agent
    .put("/api/v1/security-settings")
    .set(headers)
    .set("if-match", current.headers.etag as string)
    .send({ settings });
}
