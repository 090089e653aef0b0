import crypto from "node:crypto";
import type { Db } from "../db/pool";

/** Small factories for authorization tests: a department chain, users with memberships. */
export async function departmentChain(db: Db, tenantId: string, names: string[]): Promise<string[]> {
  const dim = await db
    .insertInto("dimensions")
    .values({
      tenant_id: tenantId,
      code: `d${crypto.randomBytes(4).toString("hex")}`,
      name: "行政",
      kind: "administrative",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const ids: string[] = [];
  for (const name of names) {
    const id = crypto.randomUUID();
    await db
      .insertInto("departments")
      .values({
        id,
        tenant_id: tenantId,
        dimension_id: dim.id,
        parent_id: ids.at(-1) ?? null,
        path: [...ids, id],
        name,
      })
      .execute();
    ids.push(id);
  }
  return ids;
}

export async function makeUser(
  db: Db,
  tenantId: string,
  opts: {
    username: string;
    clearanceLevel?: number;
    attributes?: Record<string, unknown>;
    departmentId?: string;
    status?: "active" | "disabled";
  },
): Promise<string> {
  const user = await db
    .insertInto("users")
    .values({
      tenant_id: tenantId,
      username: opts.username,
      display_name: opts.username,
      password_hash: "not-a-usable-hash",
      clearance_level: opts.clearanceLevel ?? 0,
      attributes: JSON.stringify(opts.attributes ?? {}),
      status: opts.status ?? "active",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  if (opts.departmentId) {
    const dept = await db
      .selectFrom("departments")
      .select("dimension_id")
      .where("id", "=", opts.departmentId)
      .executeTakeFirstOrThrow();
    await db
      .insertInto("memberships")
      .values({
        tenant_id: tenantId,
        user_id: user.id,
        department_id: opts.departmentId,
        dimension_id: dept.dimension_id,
        is_primary: true,
      })
      .execute();
  }
  return user.id;
}
