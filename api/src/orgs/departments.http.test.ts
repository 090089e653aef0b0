import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startTestApp, type TestApp } from "../../../test/support/app";
import { type Agent, etag, orgApi, plainUser } from "./test-support";

let app: TestApp;
let sys: Agent;
let api: ReturnType<typeof orgApi>;
let dim: string;
before(async () => {
  app = await startTestApp();
  sys = await app.signIn("sysadmin");
  api = orgApi(sys);
  dim = await api.dimension("admin", "行政维度");
});
after(() => app?.close());

async function pathsOf(ids: string[]): Promise<Map<string, string[]>> {
  const rows = await app.database.db.selectFrom("departments").select(["id", "path"]).where("id", "in", ids).execute();
  return new Map(rows.map((r) => [r.id, r.path]));
}

describe("create, read, search", () => {
  test("a department gets a path, an ETag, and is found by name, pinyin and initials", async () => {
    const root = await api.dept(dim, "市政府");
    const child = await api.dept(dim, "财务处", root.id);
    assert.deepEqual(child.path, [root.id, child.id]);
    const got = await api.get(child.id);
    assert.equal(got.headers.etag, `"${got.body.version}"`);
    assert.equal(got.body.parentId, root.id);
    const rootNow = await api.get(root.id);
    assert.equal(rootNow.body.childCount, 1);
    for (const q of ["财务", "caiwu", "cwc", "CaiWu"]) {
      const res = await sys.get("/api/v1/departments").query({ q, dimensionId: dim });
      assert.equal(res.status, 200, q);
      assert.deepEqual(
        res.body.map((d: { id: string }) => d.id),
        [child.id],
        `q=${q}`,
      );
      assert.equal(res.headers["x-total-count"], "1");
    }
    const roots = await sys.get("/api/v1/departments").query({ dimensionId: dim, parentId: "null" });
    assert.ok(roots.body.some((d: { id: string }) => d.id === root.id));
    assert.ok(!roots.body.some((d: { id: string }) => d.id === child.id));
  });

  test("bad input: unknown field 400, parent in another dimension 400, missing parent 404, disabled parent 400", async () => {
    const other = await api.dimension("party", "党组织");
    const a = await api.dept(dim, "甲");
    const unknown = await sys
      .post("/api/v1/departments")
      .send({ dimensionId: dim, parentId: null, name: "x", role: 1 });
    assert.equal(unknown.status, 400);
    const cross = await sys.post("/api/v1/departments").send({ dimensionId: other, parentId: a.id, name: "跨维度" });
    assert.equal(cross.status, 400);
    assert.equal(cross.body.code, "PARENT_IN_OTHER_DIMENSION");
    const missing = await sys
      .post("/api/v1/departments")
      .send({ dimensionId: dim, parentId: crypto.randomUUID(), name: "孤儿" });
    assert.equal(missing.status, 404);
    assert.equal((await api.act(a.id, "disable")).status, 200);
    const underDisabled = await sys.post("/api/v1/departments").send({ dimensionId: dim, parentId: a.id, name: "新" });
    assert.equal(underDisabled.status, 400);
    assert.equal(underDisabled.body.code, "PARENT_DISABLED");
    const dup = await sys.post("/api/v1/departments").send({ dimensionId: dim, parentId: null, name: "甲" });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.code, "DEPARTMENT_NAME_TAKEN");
  });

  test("the tree nests children and refuses more than 5,000 nodes unless narrowed", async () => {
    const big = await api.dimension("big", "大树");
    const top = await api.dept(big, "根");
    const sub = await api.dept(big, "子", top.id);
    const leaf = await api.dept(big, "孙", sub.id);
    const tree = await sys.get("/api/v1/departments/tree").query({ dimensionId: big });
    assert.equal(tree.status, 200);
    assert.equal(tree.body.length, 1);
    assert.equal(tree.body[0].children[0].id, sub.id);
    assert.equal(tree.body[0].children[0].children[0].id, leaf.id);
    const shallow = await sys.get("/api/v1/departments/tree").query({ dimensionId: big, rootId: sub.id, depth: 1 });
    assert.deepEqual(
      shallow.body.map((n: { id: string; children: unknown[] }) => [n.id, n.children.length]),
      [[sub.id, 0]],
    );
    const tenantId = app.platformTenantId;
    await app.database.pool.query(
      `INSERT INTO departments (id, tenant_id, dimension_id, parent_id, path, name)
       SELECT g.id, $1, $2, $3, ARRAY[$3::uuid, g.id], 'n' || g.i
       FROM (SELECT gen_random_uuid() AS id, i FROM generate_series(1, 5000) i) g`,
      [tenantId, big, top.id],
    );
    const tooBig = await sys.get("/api/v1/departments/tree").query({ dimensionId: big });
    assert.equal(tooBig.status, 400);
    assert.equal(tooBig.body.code, "TREE_TOO_LARGE");
    const narrowed = await sys.get("/api/v1/departments/tree").query({ dimensionId: big, rootId: sub.id });
    assert.equal(narrowed.status, 200);
    assert.equal(narrowed.body[0].children.length, 1);
  });
});

describe("optimistic concurrency", () => {
  test("two admins edit the same department: the second gets 409; no If-Match is 428", async () => {
    const d = await api.dept(dim, "办公室");
    const read = await api.get(d.id);
    const tag = etag(read);
    const other = await app.signIn("sysadmin");
    const first = await sys.patch(`/api/v1/departments/${d.id}`).set("if-match", tag).send({ name: "综合办公室" });
    assert.equal(first.status, 200);
    assert.equal(first.body.version, read.body.version + 1);
    const second = await other.patch(`/api/v1/departments/${d.id}`).set("if-match", tag).send({ name: "办公厅" });
    assert.equal(second.status, 409);
    assert.equal(second.body.code, "VERSION_CONFLICT");
    const none = await sys.patch(`/api/v1/departments/${d.id}`).send({ name: "无版本" });
    assert.equal(none.status, 428);
    assert.equal((await api.get(d.id)).body.name, "综合办公室");
    const audit = await app.database.db
      .selectFrom("audit_events")
      .select(["detail", "result"])
      .where("action", "=", "department.update")
      .where("target_id", "=", d.id)
      .orderBy("seq")
      .execute();
    assert.deepEqual(
      audit.map((a) => a.result),
      ["success", "failure"],
      "the stale write is audited; the request without If-Match never reached the service",
    );
    const before = audit[0]?.detail.before as { name: string };
    const afterState = audit[0]?.detail.after as { name: string };
    assert.equal(before.name, "办公室");
    assert.equal(afterState.name, "综合办公室");
  });
});

describe("move", () => {
  test("the subtree follows in one step; cycles, other dimensions, missing/merged parents and depth are refused", async () => {
    const a = await api.dept(dim, "A部");
    const b = await api.dept(dim, "B部", a.id);
    const c = await api.dept(dim, "C部", b.id);
    const x = await api.dept(dim, "X部");
    const moved = await api.act(b.id, "move", { parentId: x.id });
    assert.equal(moved.status, 200, moved.text);
    assert.deepEqual(moved.body.path, [x.id, b.id]);
    const paths = await pathsOf([b.id, c.id]);
    assert.deepEqual(paths.get(c.id), [x.id, b.id, c.id]);

    const before = await pathsOf([a.id, b.id, c.id, x.id]);
    const underSelf = await api.act(b.id, "move", { parentId: b.id });
    assert.equal(underSelf.status, 400);
    assert.equal(underSelf.body.code, "MOVE_CYCLE");
    const underChild = await api.act(x.id, "move", { parentId: c.id });
    assert.equal(underChild.status, 400);
    assert.equal(underChild.body.code, "MOVE_CYCLE");
    const otherDim = await api.dimension("proj", "项目");
    const p = await api.dept(otherDim, "项目一");
    const across = await api.act(b.id, "move", { parentId: p.id });
    assert.equal(across.status, 400);
    assert.equal(across.body.code, "MOVE_ACROSS_DIMENSIONS");
    const missing = await api.act(b.id, "move", { parentId: crypto.randomUUID() });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, "PARENT_NOT_FOUND");
    assert.deepEqual(await pathsOf([a.id, b.id, c.id, x.id]), before, "nothing written");

    // A chain 31 deep, then a two-level subtree moved under its bottom would be 33 deep.
    let parent: { id: string; path: string[] } | null = null;
    for (let i = 0; i < 31; i++) {
      const id: string = crypto.randomUUID();
      const path: string[] = [...(parent?.path ?? []), id];
      await app.database.db
        .insertInto("departments")
        .values({
          id,
          tenant_id: app.platformTenantId,
          dimension_id: dim,
          parent_id: parent?.id ?? null,
          path,
          name: `层${i}`,
        })
        .execute();
      parent = { id, path };
    }
    const deep = await api.act(b.id, "move", { parentId: parent?.id });
    assert.equal(deep.status, 400);
    assert.equal(deep.body.code, "TREE_TOO_DEEP");
    assert.deepEqual(await pathsOf([a.id, b.id, c.id, x.id]), before, "nothing written");
  });

  test("position places the department among its new siblings", async () => {
    const p = await api.dept(dim, "排序父");
    const k1 = await api.dept(dim, "一", p.id);
    const k2 = await api.dept(dim, "二", p.id);
    const n = await api.dept(dim, "新来");
    const res = await api.act(n.id, "move", { parentId: p.id, position: 1 });
    assert.equal(res.status, 200);
    const kids = await sys.get("/api/v1/departments").query({ parentId: p.id, _sort: "sortOrder", _order: "asc" });
    assert.deepEqual(
      kids.body.map((d: { id: string }) => d.id),
      [k1.id, n.id, k2.id],
    );
  });

  test("two concurrent moves, A under B and B under A: exactly one succeeds and no cycle exists", async () => {
    for (let round = 0; round < 3; round++) {
      const a = await api.dept(dim, `并发A${round}`);
      const b = await api.dept(dim, `并发B${round}`);
      const [ra, rb] = await Promise.all([
        sys.post(`/api/v1/departments/${a.id}/move`).set("if-match", `"${a.version}"`).send({ parentId: b.id }),
        sys.post(`/api/v1/departments/${b.id}/move`).set("if-match", `"${b.version}"`).send({ parentId: a.id }),
      ]);
      const statuses = [ra.status, rb.status].sort();
      assert.equal(statuses[0], 200, `${ra.text} ${rb.text}`);
      assert.ok(statuses[1] === 400 || statuses[1] === 409, `the loser is refused: ${ra.text} ${rb.text}`);
      const paths = await pathsOf([a.id, b.id]);
      const pa = paths.get(a.id) ?? [];
      const pb = paths.get(b.id) ?? [];
      assert.ok(!(pa.includes(b.id) && pb.includes(a.id)), "no cycle");
      assert.equal(pa.at(-1), a.id);
      assert.equal(pb.at(-1), b.id);
    }
  });
});

describe("merge, disable, delete, reorder", () => {
  test("merge moves children and memberships; a user in both keeps one membership, still primary", async () => {
    const s = await api.dept(dim, "合并源");
    const t = await api.dept(dim, "合并目标");
    const sc = await api.dept(dim, "源下级", s.id);
    const scc = await api.dept(dim, "源下下级", sc.id);
    const tenantId = app.platformTenantId;
    const onlyS = await plainUser(app, tenantId, "only-s");
    const both = await plainUser(app, tenantId, "both");
    await app.database.db
      .insertInto("memberships")
      .values([
        { tenant_id: tenantId, user_id: onlyS, department_id: s.id, dimension_id: dim, is_primary: true },
        {
          tenant_id: tenantId,
          user_id: both,
          department_id: s.id,
          dimension_id: dim,
          is_primary: true,
          title: "源职务",
        },
        {
          tenant_id: tenantId,
          user_id: both,
          department_id: t.id,
          dimension_id: dim,
          is_primary: false,
          title: "目标职务",
        },
      ])
      .execute();
    const res = await api.act(s.id, "merge", { intoId: t.id });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.status, "merged");
    assert.equal(res.body.mergedInto, t.id);
    const paths = await pathsOf([sc.id, scc.id]);
    assert.deepEqual(paths.get(sc.id), [t.id, sc.id]);
    assert.deepEqual(paths.get(scc.id), [t.id, sc.id, scc.id]);
    const ms = await app.database.db
      .selectFrom("memberships")
      .select(["user_id", "department_id", "is_primary", "title"])
      .where("user_id", "in", [onlyS, both])
      .execute();
    assert.equal(ms.length, 2);
    for (const m of ms) {
      assert.equal(m.department_id, t.id);
      assert.equal(m.is_primary, true);
    }
    assert.equal(ms.find((m) => m.user_id === both)?.title, "目标职务");
    const target = await api.get(t.id);
    assert.equal(target.body.childCount, 1);
    assert.equal(target.body.memberCount, 2);
    const again = await api.act(s.id, "merge", { intoId: t.id });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, "DEPARTMENT_MERGED");
    const intoChild = await api.act(t.id, "merge", { intoId: sc.id });
    assert.equal(intoChild.status, 400);
    assert.equal(intoChild.body.code, "MERGE_INTO_DESCENDANT");
  });

  test("disable takes the subtree; enable needs an active parent; delete needs an empty department", async () => {
    const top = await api.dept(dim, "停用根");
    const mid = await api.dept(dim, "停用中", top.id);
    const low = await api.dept(dim, "停用下", mid.id);
    assert.equal((await api.act(top.id, "disable")).status, 200);
    for (const id of [top.id, mid.id, low.id]) assert.equal((await api.get(id)).body.status, "disabled");
    const early = await api.act(mid.id, "enable");
    assert.equal(early.status, 400);
    assert.equal(early.body.code, "PARENT_DISABLED");
    assert.equal((await api.act(top.id, "enable")).status, 200);
    for (const id of [top.id, mid.id, low.id]) assert.equal((await api.get(id)).body.status, "active");

    const del = async (id: string) => sys.delete(`/api/v1/departments/${id}`).set("if-match", etag(await api.get(id)));
    const withChildren = await del(mid.id);
    assert.equal(withChildren.status, 409);
    assert.equal(withChildren.body.code, "DEPARTMENT_HAS_CHILDREN");
    const member = await plainUser(app, app.platformTenantId, "member-low");
    await app.database.db
      .insertInto("memberships")
      .values({
        tenant_id: app.platformTenantId,
        user_id: member,
        department_id: low.id,
        dimension_id: dim,
        is_primary: true,
      })
      .execute();
    const withMembers = await del(low.id);
    assert.equal(withMembers.status, 409);
    assert.equal(withMembers.body.code, "DEPARTMENT_HAS_MEMBERS");
    await app.database.db.deleteFrom("memberships").where("user_id", "=", member).execute();
    assert.equal((await del(low.id)).status, 204);
    assert.equal((await sys.get(`/api/v1/departments/${low.id}`)).status, 404);
  });

  test("reorder takes exactly the current children", async () => {
    const p = await api.dept(dim, "重排父");
    const k = [await api.dept(dim, "k1", p.id), await api.dept(dim, "k2", p.id), await api.dept(dim, "k3", p.id)];
    const ids = [k[2]?.id, k[0]?.id, k[1]?.id];
    const res = await sys
      .post("/api/v1/departments/reorder")
      .send({ dimensionId: dim, parentId: p.id, orderedIds: ids });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(
      res.body.map((d: { id: string; sortOrder: number }) => [d.id, d.sortOrder]),
      ids.map((id, i) => [id, i]),
    );
    const partial = await sys
      .post("/api/v1/departments/reorder")
      .send({ dimensionId: dim, parentId: p.id, orderedIds: ids.slice(0, 2) });
    assert.equal(partial.status, 409);
    assert.equal(partial.body.code, "SIBLINGS_CHANGED");
  });
});
