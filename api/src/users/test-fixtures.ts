import assert from "node:assert/strict";
import crypto from "node:crypto";
import supertest from "supertest";
import type { Db } from "../db/pool";

/**
 * Small factories for the org rows people tests need, inserted directly (the org domain has its
 * own tests). Names and codes are unique per call so tests never collide.
 */
let counter = 0;
const unique = () => `${Date.now().toString(36)}${(counter++).toString(36)}`;

export async function makeTenant(db: Db, code = `t-${unique()}`): Promise<string> {
  const row = await db
    .insertInto("tenants")
    .values({ code, name: `租户 ${code}` })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function makeDimension(db: Db, tenantId: string, code = `dim-${unique()}`): Promise<string> {
  const row = await db
    .insertInto("dimensions")
    .values({ tenant_id: tenantId, code, name: `维度 ${code}`, kind: "administrative" })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

export interface DepartmentFixture {
  id: string;
  path: string[];
  dimensionId: string;
  name: string;
  code: string | null;
}

export async function makeDepartment(
  db: Db,
  opts: {
    tenantId: string;
    dimensionId: string;
    parent?: DepartmentFixture;
    name?: string;
    code?: string | null;
    status?: "active" | "disabled" | "merged";
  },
): Promise<DepartmentFixture> {
  const id = crypto.randomUUID();
  const path = [...(opts.parent?.path ?? []), id];
  const name = opts.name ?? `部门${unique()}`;
  const code = opts.code === undefined ? `D${unique()}` : opts.code;
  await db
    .insertInto("departments")
    .values({
      id,
      tenant_id: opts.tenantId,
      dimension_id: opts.dimensionId,
      parent_id: opts.parent?.id ?? null,
      path,
      name,
      code,
      status: opts.status ?? "active",
    })
    .execute();
  return { id, path, dimensionId: opts.dimensionId, name, code };
}

export async function makePost(db: Db, tenantId: string, code = `P${unique()}`, name = `岗位${code}`) {
  const row = await db
    .insertInto("posts")
    .values({ tenant_id: tenantId, code, name })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { id: row.id, code, name };
}

/** A unique username for a test account. */
export const username = (prefix = "u") => `${prefix}${unique()}`;

/** The password people created by `signedInPerson` end up with. */
export const PERSON_PASSWORD = "Person-Pass-2026#q";

/**
 * Creates an account through the API (as `admin`) and signs it in as the person would: the one-time
 * password, then `PERSON_PASSWORD`. Returns the person's own agent.
 */
export async function signedInPerson(
  app: { app: Parameters<typeof supertest.agent>[0] },
  admin: ReturnType<typeof supertest.agent>,
  extra: Record<string, unknown> = {},
  prefix = "p",
): Promise<{ id: string; name: string; agent: ReturnType<typeof supertest.agent> }> {
  const name = username(prefix);
  const created = await admin.post("/api/v1/users").send({ username: name, displayName: "员工", ...extra });
  assert.equal(created.status, 201, created.text);
  const agent = supertest.agent(app.app);
  await agent.post("/api/v1/auth/login").send({ username: name, password: created.body.oneTimePassword });
  const changed = await agent
    .post("/api/v1/auth/password")
    .send({ currentPassword: created.body.oneTimePassword, newPassword: PERSON_PASSWORD });
  assert.equal(changed.status, 204, changed.text);
  return { id: created.body.user.id as string, name, agent };
}
