import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startTestApp, type TestApp } from "../../../test/support/app";
import { mode } from "../../../test/support/db";
import { recordOrgChange } from "./changes";
import { type Agent, etag, orgApi } from "./test-support";

let app: TestApp;
let sys: Agent;
before(async () => {
  app = await startTestApp();
  sys = await app.signIn("sysadmin");
});
after(() => app?.close());

interface Change {
  seq: string;
  entity: string;
  entityId: string;
  op: string;
  data: Record<string, unknown>;
}

async function feedAfter(after: string, limit = 1000): Promise<{ changes: Change[]; next: string }> {
  const res = await sys.get("/api/v1/org-changes").query({ after, limit });
  assert.equal(res.status, 200, res.text);
  return res.body;
}

async function head(): Promise<string> {
  let cursor = "0";
  for (;;) {
    const page = await feedAfter(cursor);
    if (page.changes.length === 0) return cursor;
    cursor = page.next;
  }
}

test("every dimension, department and post change appends one row, in order, paged by cursor", async () => {
  const start = await head();
  const api = orgApi(sys);
  const dim = await api.dimension("feed");
  const a = await api.dept(dim, "甲");
  const b = await api.dept(dim, "乙");
  const moved = await api.act(b.id, "move", { parentId: a.id });
  assert.equal(moved.status, 200);
  const renamed = await sys
    .patch(`/api/v1/departments/${a.id}`)
    .set("if-match", etag(await api.get(a.id)))
    .send({ name: "甲处" });
  assert.equal(renamed.status, 200);
  await api.act(a.id, "disable");
  const post = await sys.post("/api/v1/posts").send({ code: "FEED", name: "岗位" });
  const all = await feedAfter(start);
  assert.deepEqual(
    all.changes.map((c) => [c.entity, c.op, c.entityId]),
    [
      ["dimension", "created", dim],
      ["department", "created", a.id],
      ["department", "created", b.id],
      ["department", "moved", b.id],
      ["department", "updated", a.id],
      ["department", "disabled", a.id],
      ["department", "disabled", b.id],
      ["post", "created", post.body.id],
    ],
  );
  const move = all.changes[3];
  assert.deepEqual(move?.data.path, [a.id, b.id]);
  assert.equal(move?.data.previousParentId, null);
  assert.equal(all.changes[4]?.data.name, "甲处");
  const seqs = all.changes.map((c) => BigInt(c.seq));
  assert.deepEqual(
    seqs,
    [...seqs].sort((x, y) => (x < y ? -1 : 1)),
  );

  const first = await feedAfter(start, 3);
  assert.equal(first.changes.length, 3);
  const second = await feedAfter(first.next, 3);
  assert.equal(second.changes[0]?.entityId, b.id);
  assert.equal(second.changes[0]?.op, "moved");
  const end = await feedAfter(all.next);
  assert.deepEqual(end, { changes: [], next: all.next });
  const bad = await sys.get("/api/v1/org-changes").query({ after: "-1" });
  assert.equal(bad.status, 400);
});

test(
  "a transaction that commits late is never skipped: feed rows of a tenant commit in seq order",
  { skip: mode === "embedded" ? "the embedded database runs one transaction at a time" : false },
  async () => {
    const start = await head();
    const tenantId = app.platformTenantId;
    const change = (id: string) => ({ tenantId, entity: "post" as const, entityId: id, op: "updated" as const });
    // M takes its transaction id first; L records a change first and stays open.
    const m = await app.database.db.startTransaction().execute();
    const l = await app.database.db.startTransaction().execute();
    try {
      await m.selectNoFrom((eb) => eb.fn<string>("pg_current_xact_id", []).as("xid")).execute();
      const lId = crypto.randomUUID();
      const mId = crypto.randomUUID();
      await recordOrgChange(l, change(lId));
      let mDone = false;
      const mRecords = recordOrgChange(m, change(mId)).then(() => {
        mDone = true;
      });
      // A change over HTTP meanwhile: it too must wait behind L.
      const viaHttp = sys.post("/api/v1/posts").send({ code: "LATE", name: "迟到" });
      const httpDone = viaHttp.then((r) => r);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(mDone, false, "M waits for L instead of drawing a seq L could land below");
      assert.deepEqual((await feedAfter(start)).changes, [], "nothing uncommitted is handed out");
      await l.commit().execute();
      await mRecords;
      const seen = await feedAfter(start);
      assert.deepEqual(
        seen.changes.map((c) => c.entityId),
        [lId],
        "L is visible; M is not committed yet",
      );
      await m.commit().execute();
      const res = await httpDone;
      assert.equal(res.status, 201, res.text);
      const later = await feedAfter(seen.next);
      assert.deepEqual(
        later.changes.map((c) => c.entityId).sort(),
        [mId, res.body.id].sort(),
        "everything committed after the first read shows up after its cursor",
      );
    } finally {
      await l
        .rollback()
        .execute()
        .catch(() => {});
      await m
        .rollback()
        .execute()
        .catch(() => {});
    }
  },
);
