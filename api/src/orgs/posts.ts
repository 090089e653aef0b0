import { sql } from "kysely";
import type { Db } from "../db/pool";
import { Conflict, NotFound } from "../http/errors";
import type { Page } from "../http/list";
import type { Caller } from "./access";
import type { PostDto } from "./schemas";
import { pgConstraint } from "./tx";
import { createVersioned, deleteVersioned, updateVersioned, type VersionedEntity } from "./versioned";
import { findRow, listRows, type ReadSpec } from "./versioned-read";

interface PostRow {
  id: string;
  code: string;
  name: string;
  sort_order: number;
  version: number;
  created_at: Date;
  updated_at: Date;
}

function toDto(r: PostRow): PostDto {
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    sortOrder: r.sort_order,
    version: r.version,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

const state = (r: PostRow) => ({ code: r.code, name: r.name, sortOrder: r.sort_order, version: r.version });

/** Post fields CASL conditions may name. */
const POST_COLUMNS = { id: "id", code: "code", tenantId: "tenant_id" };

const NOT_FOUND = () => new NotFound("POST_NOT_FOUND", "No such post.", "岗位不存在。");

function conflict(err: unknown): never {
  if (pgConstraint(err) === "posts_tenant_code_key") {
    throw new Conflict("POST_CODE_TAKEN", "Another post already has this code.", "岗位编码已被使用。");
  }
  throw err;
}

const READ: ReadSpec<"sortOrder" | "code" | "name" | "createdAt"> = {
  table: "posts",
  subject: "Post",
  columns: POST_COLUMNS,
  scope: (caller) => ({ column: "tenant_id", tenantId: caller.principal.tenantId }),
  sort: { sortOrder: "sort_order", code: "code", name: "name", createdAt: "created_at" },
  notFound: NOT_FOUND,
};

export async function listPosts(
  db: Db,
  caller: Caller,
  q: { q?: string | undefined },
  page: Page<"sortOrder" | "code" | "name" | "createdAt">,
): Promise<{ rows: PostDto[]; total: number }> {
  const { rows, total } = await listRows<PostRow, typeof page.sort>(db, READ, caller, q, page);
  return { rows: rows.map(toDto), total };
}

const POST: VersionedEntity<PostRow> = {
  kind: "post",
  targetType: "Post",
  find: (tx, caller, id, lock) => findRow<PostRow>(tx, READ, caller, id, lock),
  state,
};

export async function getPost(db: Db, caller: Caller, id: string): Promise<PostDto> {
  return toDto(await findRow<PostRow>(db, READ, caller, id));
}

export async function createPost(
  db: Db,
  caller: Caller,
  body: { code: string; name: string; sortOrder?: number | undefined },
): Promise<PostDto> {
  return createVersioned(db, caller, POST, {
    detail: { code: body.code },
    insert: (tx) =>
      tx
        .insertInto("posts")
        .values({
          tenant_id: caller.principal.tenantId,
          code: body.code,
          name: body.name,
          sort_order: body.sortOrder ?? 0,
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    toDto,
    onError: conflict,
  });
}

export async function updatePost(
  db: Db,
  caller: Caller,
  id: string,
  version: number,
  patch: { code?: string | undefined; name?: string | undefined; sortOrder?: number | undefined },
): Promise<PostDto> {
  return updateVersioned(db, caller, POST, id, version, {
    update: (tx) =>
      tx
        .updateTable("posts")
        .set((eb) => ({
          ...(patch.code !== undefined ? { code: patch.code } : {}),
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.sortOrder !== undefined ? { sort_order: patch.sortOrder } : {}),
          version: eb("version", "+", 1),
          updated_at: sql`now()`,
        }))
        .where("id", "=", id)
        .returningAll()
        .executeTakeFirstOrThrow(),
    toDto,
    onError: conflict,
  });
}

/** A post that memberships still use cannot go (409): people would silently lose their post. */
export async function deletePost(db: Db, caller: Caller, id: string, version: number): Promise<void> {
  await deleteVersioned(db, caller, POST, id, version, {
    remove: (tx) => tx.deleteFrom("posts").where("id", "=", id).execute(),
    referenced: () =>
      new Conflict(
        "POST_IN_USE",
        "Memberships still use this post; change them first.",
        "仍有成员使用该岗位，不能删除。",
      ),
  });
}
