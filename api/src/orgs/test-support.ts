import { createMongoAbility } from "@casl/ability";
import supertest from "supertest";
import { abilityFor, type AppAbility, type AppRule } from "../../../policies/ability";
import type { TestApp } from "../../../test/support/app";
import type { Authorizer } from "../authz/authorizer";
import { createUser, USER_PASSWORD } from "../grants/test-fixtures";

export type Agent = ReturnType<typeof supertest.agent>;

/**
 * Test-only: gives chosen accounts fixed CASL rules (a scoped admin's subtree rules, or another
 * tenant's sysadmin duties) by wrapping the app's authorizer; everyone else keeps the real one.
 * This keeps the org tests independent of how grants are stored and of the admin second-factor flow.
 */
export function overrideAbilities(app: TestApp): Map<string, AppRule[]> {
  const overrides = new Map<string, AppRule[]>();
  const authz: Authorizer = app.services.authz;
  const real = authz.abilityFor.bind(authz);
  const build = (rules: AppRule[]): AppAbility => createMongoAbility<AppAbility>(rules);
  authz.abilityFor = async (principal, env) => {
    const rules = overrides.get(principal.userId);
    return rules ? build(rules) : real(principal, env);
  };
  return overrides;
}

/** The sysadmin duty rules, for an ordinary account standing in for another tenant's sysadmin. */
export const sysadminRules = (): AppRule[] => abilityFor("sysadmin").rules as AppRule[];

/** An ordinary account in `tenantId`, signed in through the API as a real user would be. */
export async function userAgent(
  app: TestApp,
  tenantId: string,
  username: string,
): Promise<{ id: string; agent: Agent }> {
  const id = await createUser(app, tenantId, username);
  const tenant = await app.database.db
    .selectFrom("tenants")
    .select("code")
    .where("id", "=", tenantId)
    .executeTakeFirstOrThrow();
  const agent = supertest.agent(app.app);
  const res = await agent.post("/api/v1/auth/login").send({ username, password: USER_PASSWORD, tenant: tenant.code });
  if (res.status !== 200) throw new Error(`sign-in as ${username} failed: ${res.status} ${res.text}`);
  return { id, agent };
}

/** A plain account (no sign-in) to hang memberships on. */
export async function plainUser(app: TestApp, tenantId: string, username: string): Promise<string> {
  const row = await app.database.db
    .insertInto("users")
    .values({ tenant_id: tenantId, username, display_name: username, password_hash: "x", must_change_password: false })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

export function etag(res: { headers: Record<string, string | undefined> }): string {
  const value = res.headers.etag;
  if (!value) throw new Error("no ETag on the response");
  return value;
}

/** Small API helpers over a signed-in agent. */
export function orgApi(agent: Agent) {
  return {
    async dimension(code: string, name = `维度${code}`): Promise<string> {
      const res = await agent.post("/api/v1/dimensions").send({ code, name, kind: "administrative" });
      if (res.status !== 201) throw new Error(`dimension ${code}: ${res.status} ${res.text}`);
      return res.body.id;
    },
    async dept(
      dimensionId: string,
      name: string,
      parentId: string | null = null,
    ): Promise<{ id: string; path: string[]; version: number }> {
      const res = await agent.post("/api/v1/departments").send({ dimensionId, parentId, name });
      if (res.status !== 201) throw new Error(`department ${name}: ${res.status} ${res.text}`);
      return res.body;
    },
    async get(id: string) {
      const res = await agent.get(`/api/v1/departments/${id}`);
      if (res.status !== 200) throw new Error(`get ${id}: ${res.status} ${res.text}`);
      return res;
    },
    /** POST /departments/:id/<verb> with the current ETag. */
    async act(id: string, verb: "move" | "merge" | "disable" | "enable", body?: object) {
      const current = await this.get(id);
      const req = agent.post(`/api/v1/departments/${id}/${verb}`).set("if-match", etag(current));
      return body ? req.send(body) : req;
    },
  };
}
