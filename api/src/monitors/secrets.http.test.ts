import crypto from "node:crypto";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { runCheck } from "../../../monitors/probes/index";
import { activeMonitors } from "../../../monitors/store";
import type { ActiveMonitor } from "../../../monitors/config";
import { startTestApp, TEST_KEK, type TestApp } from "../../../test/support/app";
import { loadDataKeys } from "../crypto/data-keys";
import { createFieldCipher } from "../crypto/fields";
import { parseKek } from "../crypto/keys";
import { gmProfile } from "../crypto/profile";
import { rewrapKek } from "../keys/rewrap";
import { createRotationWorker } from "../keys/rotation-worker";
import { valuesUnderVersion } from "../keys/sealed-columns";
import { silentLogger } from "../../../test/support/db";
import { sealClearMonitorSecrets } from "./sealed-table";
import { definitionOpener, MASK } from "./secrets";

const SECRET = "Bearer hunter2-very-secret";
const PG_PASSWORD = "pg-pass-w0rd";

let app: TestApp;
let target: http.Server;
let targetUrl: string;
before(async () => {
  app = await startTestApp();
  // The target answers 200 only with the right credential: a probe that lost it would be down.
  target = http.createServer((req, res) => {
    res.statusCode = req.headers.authorization === SECRET ? 200 : 401;
    res.end(res.statusCode === 200 ? "ok" : "who are you");
  });
  await new Promise<void>((r) => target.listen(0, "127.0.0.1", r));
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/private`;
});
after(async () => {
  await new Promise<void>((r) => target?.close(() => r()));
  await app?.close();
});

const storedText = async (id: string) =>
  (await sql<{ t: string }>`SELECT definition::text AS t FROM monitors WHERE id = ${id}`.execute(app.database.db))
    .rows[0]?.t ?? "";
/** What the prober would run for `id`: the stored definition read and opened as the scheduler does. */
async function proberDefinition(id: string): Promise<ActiveMonitor | undefined> {
  const { changed } = await activeMonitors(app.database.db, new Map(), definitionOpener(app.services.fields));
  return changed.find((m) => m.id === id)?.definition as ActiveMonitor | undefined;
}

describe("monitor credentials encrypted at rest", () => {
  let id: string;

  test("the stored definition holds no credential in clear; the API masks it", async () => {
    const sys = await app.signIn("sysadmin");
    const res = await sys.post("/api/v1/monitors").send({
      type: "http",
      name: "Private API",
      url: targetUrl,
      intervalSeconds: 30,
      headers: { Authorization: SECRET, Accept: "text/plain" },
    });
    assert.equal(res.status, 201, res.text);
    id = res.body.id;
    assert.equal(res.body.definition.headers.Authorization, MASK);
    assert.equal(res.body.definition.sealed, undefined);
    const text = await storedText(id);
    assert.ok(!text.includes("hunter2"), "no clear secret in the table");
    assert.match(text, /"headers\.Authorization": "v3\.1\.[A-Za-z0-9_-]+"/, "sealed under data key 1");
    const list = await sys.get("/api/v1/monitors");
    assert.ok(!JSON.stringify(list.body).includes("hunter2"));
  });

  test("the prober and test now still authenticate with the opened credential", async () => {
    const def = await proberDefinition(id);
    assert.equal(def?.type === "http" && def.headers.Authorization, SECRET);
    const result = await runCheck(def as ActiveMonitor, AbortSignal.timeout(5_000));
    assert.equal(result.state, "up", result.message);
    const sys = await app.signIn("sysadmin");
    const tested = await sys.post(`/api/v1/monitors/${id}/test`);
    assert.equal(tested.status, 200);
    assert.equal(tested.body.state, "up", tested.body.message);
    // Without the opener the stored form is not probed (it would send the mask): skipped, not run.
    const { changed } = await activeMonitors(app.database.db, new Map());
    assert.equal(
      changed.find((m) => m.id === id),
      undefined,
    );
  });

  test("an edit that sends the mask back keeps the secret, sealed again", async () => {
    const sys = await app.signIn("sysadmin");
    const got = await sys.get(`/api/v1/monitors/${id}`);
    const put = await sys
      .put(`/api/v1/monitors/${id}`)
      .set("If-Match", got.headers.etag as string)
      .send({ ...got.body.definition, name: "Private API v2" });
    assert.equal(put.status, 200, put.text);
    assert.ok(!(await storedText(id)).includes("hunter2"));
    const tested = await sys.post(`/api/v1/monitors/${id}/test`);
    assert.equal(tested.body.state, "up", tested.body.message);
    // A new value replaces it: the target now refuses.
    const again = await sys.get(`/api/v1/monitors/${id}`);
    const changed = await sys
      .put(`/api/v1/monitors/${id}`)
      .set("If-Match", again.headers.etag as string)
      .send({ ...again.body.definition, headers: { Authorization: "Bearer wrong", Accept: "text/plain" } });
    assert.equal(changed.status, 200);
    assert.equal((await sys.post(`/api/v1/monitors/${id}/test`)).body.reason, "status");
    const back = await sys.get(`/api/v1/monitors/${id}`);
    await sys
      .put(`/api/v1/monitors/${id}`)
      .set("If-Match", back.headers.etag as string)
      .send({ ...back.body.definition, headers: { Authorization: SECRET, Accept: "text/plain" } });
  });

  test("a PostgreSQL password is sealed; the connection string is shown masked", async () => {
    const sys = await app.signIn("sysadmin");
    const res = await sys.post("/api/v1/monitors").send({
      type: "postgres",
      name: "Orders DB",
      intervalSeconds: 60,
      connectionString: `postgresql://monitor:${PG_PASSWORD}@127.0.0.1:5432/orders`,
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.definition.connectionString, `postgresql://monitor:${MASK}@127.0.0.1:5432/orders`);
    assert.ok(!(await storedText(res.body.id)).includes(PG_PASSWORD));
    const def = await proberDefinition(res.body.id);
    assert.equal(
      def?.type === "postgres" && def.connectionString,
      `postgresql://monitor:${PG_PASSWORD}@127.0.0.1:5432/orders`,
    );
  });

  test("definitions stored in clear before are sealed at start, once", async () => {
    const legacy = {
      type: "http",
      name: "Legacy",
      url: targetUrl,
      intervalSeconds: 30,
      headers: { Authorization: SECRET },
    };
    const row = await sql<{ id: string }>`
      INSERT INTO monitors (tenant_id, name, type, definition)
      VALUES (${app.platformTenantId}, 'Legacy', 'http', ${JSON.stringify(legacy)}) RETURNING id`.execute(
      app.database.db,
    );
    const legacyId = row.rows[0]?.id as string;
    const before = await sql<{ version: number }>`SELECT version FROM monitors WHERE id = ${legacyId}`.execute(
      app.database.db,
    );
    assert.ok((await storedText(legacyId)).includes("hunter2"), "clear, as written before");
    assert.equal(await sealClearMonitorSecrets(app.database.db, app.services.fields), 1);
    assert.equal(await sealClearMonitorSecrets(app.database.db, app.services.fields), 0, "once");
    assert.ok(!(await storedText(legacyId)).includes("hunter2"));
    const def = await proberDefinition(legacyId);
    assert.equal(def?.type === "http" && def.headers.Authorization, SECRET);
    const afterRow = await sql<{ version: number }>`SELECT version FROM monitors WHERE id = ${legacyId}`.execute(
      app.database.db,
    );
    assert.equal(afterRow.rows[0]?.version, before.rows[0]?.version, "the definition did not change, its storage did");
  });

  test("after a data-key rotation starts, old values open and new ones use the new key", async () => {
    const sec = await app.signIn("secadmin");
    const started = await sec.post("/api/v1/crypto/key-rotations").send({});
    assert.equal(started.status, 202, started.text);
    const def = await proberDefinition(id);
    assert.equal(def?.type === "http" && def.headers.Authorization, SECRET, "sealed under key 1, still opens");
    const sys = await app.signIn("sysadmin");
    const res = await sys.post("/api/v1/monitors").send({
      type: "http",
      name: "Private API (new key)",
      url: targetUrl,
      intervalSeconds: 30,
      headers: { Authorization: SECRET },
    });
    assert.match(await storedText(res.body.id), /"headers\.Authorization": "v3\.2\./);
    const opened = await proberDefinition(res.body.id);
    assert.equal(opened?.type === "http" && opened.headers.Authorization, SECRET);
  });

  test("the rotation re-seals them under the new key; the old key can then be destroyed", async () => {
    const sec = await app.signIn("secadmin");
    // Key 1 still seals monitor credentials: the count that guards destroying a key sees them.
    assert.match(await storedText(id), /"v3\.1\./);
    assert.ok(((await valuesUnderVersion(app.database.db, 1))["monitors.definition"] ?? 0) >= 2);
    const ring = await loadDataKeys({
      db: app.database.db,
      kek: parseKek(TEST_KEK),
      profile: gmProfile,
      kekSource: "TIANSHU_KEK",
    });
    const worker = createRotationWorker({
      db: app.database.db,
      ring,
      fields: createFieldCipher(parseKek(TEST_KEK), gmProfile, ring),
      logger: silentLogger,
    });
    let outcome = await worker.runBatch();
    for (let i = 0; outcome === "progress" && i < 50; i++) outcome = await worker.runBatch();
    assert.equal(outcome, "finished");
    const text = await storedText(id);
    assert.ok(!/"v3\.1\./.test(text), "nothing left under key 1");
    assert.match(text, /"headers\.Authorization": "v3\.2\./);
    assert.ok(!text.includes("hunter2"));
    const def = await proberDefinition(id);
    assert.equal(def?.type === "http" && def.headers.Authorization, SECRET, "opens under key 2");
    assert.deepEqual(await valuesUnderVersion(app.database.db, 1), {});
    assert.equal((await sec.delete("/api/v1/crypto/data-keys/1")).status, 204);
    const after = await proberDefinition(id);
    assert.equal(after?.type === "http" && after.headers.Authorization, SECRET, "still opens with key 1 destroyed");
  });

  test("a KEK re-wrap changes no value; with the new KEK they open, with the old one the keys do not", async () => {
    const before = await storedText(id);
    const newKek = crypto.randomBytes(32);
    await rewrapKek({
      db: app.database.db,
      profile: gmProfile,
      oldKek: parseKek(TEST_KEK),
      newKek,
      oldSource: "TIANSHU_KEK",
      actorName: "test",
    });
    assert.equal(await storedText(id), before, "values are not re-encrypted");
    const ring = await loadDataKeys({ db: app.database.db, kek: newKek, profile: gmProfile, kekSource: "TIANSHU_KEK" });
    const { changed } = await activeMonitors(
      app.database.db,
      new Map(),
      definitionOpener(createFieldCipher(newKek, gmProfile, ring)),
    );
    const def = changed.find((m) => m.id === id)?.definition;
    assert.equal(def?.type === "http" && def.headers.Authorization, SECRET);
    await assert.rejects(
      loadDataKeys({ db: app.database.db, kek: parseKek(TEST_KEK), profile: gmProfile, kekSource: "TIANSHU_KEK" }),
    );
  });
});
