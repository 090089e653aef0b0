import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { auditCount, startTestApp, type TestApp } from "../../../test/support/app";
import { changeSettings } from "../../../test/support/identity";
import { defaultSecuritySettings } from "./schemas";
import { getSecuritySettings } from "./store";

/** The settings are broken on purpose here, so they are handled as untyped JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(() => app?.close());

const storedRow = () =>
  app.database.db
    .selectFrom("security_settings")
    .selectAll()
    .where("tenant_id", "=", app.platformTenantId)
    .executeTakeFirst();

describe("security settings", () => {
  test('unsaved: the 等保三级 defaults, version 0, ETag "0"', async () => {
    const sec = await app.signIn("secadmin");
    const res = await sec.get("/api/v1/security-settings");
    assert.equal(res.status, 200);
    assert.equal(res.headers.etag, '"0"');
    assert.deepEqual(res.body, { settings: defaultSecuritySettings(), version: 0, updatedAt: null });
    assert.deepEqual(res.body.settings.passwordPolicy, {
      minLength: 12,
      minClasses: 3,
      historyCount: 5,
      maxAgeDays: 90,
      expiryWarningDays: 14,
    });
    assert.deepEqual(res.body.settings.lockout, { maxFailures: 5, lockMinutes: 30 });
    assert.deepEqual(res.body.settings.sessions, {
      idleMinutes: 15,
      absoluteHours: 8,
      adminIdleMinutes: 10,
      maxConcurrent: 3,
    });
    assert.equal(await storedRow(), undefined, "reading writes nothing");
  });

  test("only secadmin reads and changes them (三员分立), denials audited", async () => {
    for (const role of ["sysadmin", "auditadmin"] as const) {
      const agent = await app.signIn(role);
      const denied = await auditCount(app, { action: "authz.denied" });
      assert.equal((await agent.get("/api/v1/security-settings")).status, 403, role);
      const put = await agent
        .put("/api/v1/security-settings")
        .set("if-match", '"0"')
        .send({ settings: defaultSecuritySettings() });
      assert.equal(put.status, 403, role);
      assert.equal(await auditCount(app, { action: "authz.denied" }), denied + 2);
    }
    assert.equal((await app.http.get("/api/v1/security-settings")).status, 401);
  });

  test("PUT with the ETag saves, bumps the version and audits before/after in the same transaction", async () => {
    const sec = await app.signIn("secadmin");
    const saved = await changeSettings(sec, (s) => {
      s.passwordPolicy.minLength = 14;
      s.accounts.erasureDays = 60;
      s.adminPlane.ipAllowList = ["127.0.0.0/8", "::1/128"];
    });
    assert.equal(saved.status, 200, saved.text);
    assert.equal(saved.headers.etag, '"1"');
    assert.equal(saved.body.version, 1);
    assert.equal(saved.body.settings.passwordPolicy.minLength, 14);
    assert.ok(saved.body.updatedAt);
    const effective = await getSecuritySettings(app.database.db, app.platformTenantId);
    assert.equal(effective.accounts.erasureDays, 60, "other domains read the saved value");
    const [event] = await app.database.db
      .selectFrom("audit_events")
      .select(["detail", "actor_role", "result"])
      .where("action", "=", "securitySettings.update")
      .where("result", "=", "success")
      .orderBy("seq", "desc")
      .limit(1)
      .execute();
    assert.equal(event?.actor_role, "secadmin");
    const detail = event?.detail as {
      before: { passwordPolicy: { minLength: number } };
      after: { passwordPolicy: { minLength: number } };
      version: number;
    };
    assert.equal(detail.before.passwordPolicy.minLength, 12);
    assert.equal(detail.after.passwordPolicy.minLength, 14);
    assert.equal(detail.version, 1);

    const again = await changeSettings(sec, (s) => {
      s.lockout.maxFailures = 6;
    });
    assert.equal(again.status, 200);
    assert.equal(again.headers.etag, '"2"');
  });

  test("a stale If-Match is 409 and writes nothing; a missing one is 428", async () => {
    const sec = await app.signIn("secadmin");
    const current = await sec.get("/api/v1/security-settings");
    const stale = `"${current.body.version - 1}"`;
    const before = await storedRow();
    const failures = await auditCount(app, { action: "securitySettings.update", result: "failure" });
    const settings = { ...current.body.settings, lockout: { maxFailures: 9, lockMinutes: 5 } };
    const res = await sec.put("/api/v1/security-settings").set("if-match", stale).send({ settings });
    assert.equal(res.status, 409);
    assert.equal(res.body.code, "VERSION_CONFLICT");
    assert.ok(res.body.zh);
    const missing = await sec.put("/api/v1/security-settings").send({ settings });
    assert.equal(missing.status, 428);
    assert.equal(missing.body.code, "IF_MATCH_REQUIRED");
    assert.equal(
      (await sec.put("/api/v1/security-settings").set("if-match", "version-one").send({ settings })).status,
      400,
    );
    assert.deepEqual(await storedRow(), before, "nothing written");
    assert.equal(await auditCount(app, { action: "securitySettings.update", result: "failure" }), failures + 1);
  });

  test("invalid input is 400 with the field named, nothing written", async () => {
    const sec = await app.signIn("secadmin");
    const current = await sec.get("/api/v1/security-settings");
    const before = await storedRow();
    const put = (mutate: (s: Json) => void) => {
      const settings = structuredClone(current.body.settings);
      mutate(settings);
      return sec
        .put("/api/v1/security-settings")
        .set("if-match", current.headers.etag as string)
        .send({ settings });
    };
    const cases: [string, (s: Json) => void, string][] = [
      ["invalid CIDR", (s) => (s.adminPlane.ipAllowList = ["10.0.0.0/33"]), "body.settings.adminPlane.ipAllowList.0"],
      ["not an address", (s) => (s.adminPlane.ipAllowList = ["intranet"]), "body.settings.adminPlane.ipAllowList.0"],
      ["minLength below 8", (s) => (s.passwordPolicy.minLength = 7), "body.settings.passwordPolicy.minLength"],
      ["unknown field", (s) => (s.passwordPolicy.maxLength = 20), "body.settings.passwordPolicy"],
      ["admin idle above idle", (s) => (s.sessions.adminIdleMinutes = 60), "body.settings.sessions.adminIdleMinutes"],
      [
        "warning after expiry",
        (s) => (s.passwordPolicy.expiryWarningDays = 90),
        "body.settings.passwordPolicy.expiryWarningDays",
      ],
      [
        "unknown two-person action",
        (s) => (s.twoPersonRule.actions = ["users.delete"]),
        "body.settings.twoPersonRule.actions.0",
      ],
      ["above the deployment ceiling", (s) => (s.sessions.idleMinutes = 16), "body.settings.sessions.idleMinutes"],
      [
        "an allow-list that excludes the caller",
        (s) => (s.adminPlane.ipAllowList = ["203.0.113.0/24"]),
        "body.settings.adminPlane.ipAllowList",
      ],
      ["missing section", (s) => delete s.lockout, "body.settings.lockout"],
    ];
    for (const [name, mutate, path] of cases) {
      const res = await put(mutate);
      assert.equal(res.status, 400, name);
      assert.match(res.headers["content-type"] ?? "", /problem\+json/, name);
      assert.ok(
        res.body.errors.some((e: { path: string; zh: string }) => e.path === path && e.zh),
        `${name}: ${JSON.stringify(res.body.errors)}`,
      );
    }
    assert.deepEqual(await storedRow(), before, "nothing written");
  });

  test("settings are per tenant: another tenant still has the defaults", async () => {
    const other = await app.database.db
      .insertInto("tenants")
      .values({ code: "settings-other", name: "另一租户" })
      .returning("id")
      .executeTakeFirstOrThrow();
    assert.deepEqual(await getSecuritySettings(app.database.db, other.id), defaultSecuritySettings());
  });
});
