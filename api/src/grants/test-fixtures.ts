import supertest from "supertest";
import type { TestApp } from "../../../test/support/app";
import { hashPassword } from "../auth/password";

/**
 * Small factories for grant, approval and org tests: a dimension with a department tree and ordinary
 * accounts, written straight to the database so these tests do not depend on the org and people
 * APIs' request shapes.
 */
export const USER_PASSWORD = "Scoped-Admin-Pass-2026#";

export async function createDimension(app: TestApp, tenantId: string, code: string): Promise<string> {
  const row = await app.database.db
    .insertInto("dimensions")
    .values({ tenant_id: tenantId, code, name: `维度 ${code}`, kind: "administrative" })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A department under `parent` (or a root); its path is the parent's plus itself. */
export async function createDepartment(
  app: TestApp,
  tenantId: string,
  dimensionId: string,
  name: string,
  parent: { id: string; path: string[] } | null,
): Promise<{ id: string; path: string[] }> {
  const id = crypto.randomUUID();
  const path = [...(parent?.path ?? []), id];
  await app.database.db
    .insertInto("departments")
    .values({ id, tenant_id: tenantId, dimension_id: dimensionId, parent_id: parent?.id ?? null, path, name })
    .execute();
  return { id, path };
}

/** An ordinary (non-admin) account with a known password, a member of `departmentIds`. */
export async function createUser(
  app: TestApp,
  tenantId: string,
  username: string,
  memberOf: { departmentId: string; dimensionId: string }[] = [],
): Promise<string> {
  const user = await app.database.db
    .insertInto("users")
    .values({
      tenant_id: tenantId,
      username,
      display_name: `用户 ${username}`,
      password_hash: await hashPassword(USER_PASSWORD, app.config.pbkdf2Iterations),
      must_change_password: false,
      password_changed_at: new Date(),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  for (const [i, m] of memberOf.entries()) {
    await app.database.db
      .insertInto("memberships")
      .values({
        tenant_id: tenantId,
        user_id: user.id,
        department_id: m.departmentId,
        dimension_id: m.dimensionId,
        is_primary: i === 0,
      })
      .execute();
  }
  return user.id;
}

/** Signs an ordinary user in through the API, as a real user would (no second factor by default). */
export async function signInUser(app: TestApp, username: string): Promise<ReturnType<typeof supertest.agent>> {
  const agent = supertest.agent(app.app);
  const res = await agent.post("/api/v1/auth/login").send({ username, password: USER_PASSWORD });
  if (res.status !== 200) throw new Error(`sign-in as ${username} failed: ${res.status} ${res.text}`);
  const next = (res.body as { next?: string | null }).next;
  if (next) throw new Error(`sign-in as ${username} stopped at step ${next}`);
  return agent;
}

/** Turns the two-person rule on for `actions` in the tenant's stored security settings. */
export async function requireTwoPersons(app: TestApp, tenantId: string, actions: string[], ttlHours = 24) {
  const settings = JSON.stringify({ twoPersonRule: { actions, proposalTtlHours: ttlHours } });
  await app.database.db
    .insertInto("security_settings")
    .values({ tenant_id: tenantId, settings })
    .onConflict((oc) => oc.column("tenant_id").doUpdateSet({ settings }))
    .execute();
}

export async function policyGeneration(app: TestApp, tenantId: string): Promise<number> {
  const row = await app.database.db
    .selectFrom("policy_generations")
    .select("generation")
    .where("tenant_id", "=", tenantId)
    .executeTakeFirst();
  return row ? Number(row.generation) : 1;
}
