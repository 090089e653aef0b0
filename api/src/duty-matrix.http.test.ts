import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { abilityFor } from "../../policies/ability";
import { ADMIN_ROLES, ROLES, type Role } from "../../policies/subjects";
import { startTestApp, type TestApp } from "../../test/support/app";
import { createViewer } from "./roles/test-viewer";

/*
 * The 三员 duty matrix asserted through the HTTP API (ARCHITECTURE §4.1): every route that declares
 * an ability, called by each of the three admin roles. Where policies/duties.ts says no, the route
 * guard must answer 403 FORBIDDEN; where it says yes, anything but 403 (a minimal request usually
 * gets 400 or 404, which proves the guard let it through). Routes are enumerated from the route
 * table, so a route added later is covered without editing this file.
 */
let app: TestApp;
const agents = new Map<Role, Awaited<ReturnType<TestApp["signIn"]>>>();

before(async () => {
  app = await startTestApp();
  for (const role of ADMIN_ROLES) agents.set(role, await app.signIn(role));
  // The leadership role has no built-in account: one is created and given the role through the API.
  const viewer = await createViewer(app, "leader", { sys: agents.get("sysadmin"), sec: agents.get("secadmin") });
  agents.set("viewer", viewer.agent);
});
after(() => app?.close());

/** A path with every parameter filled: numbers for version-like ones, otherwise an unknown UUID. */
function concrete(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) =>
    /version|seq|number/i.test(name) ? "1" : "00000000-0000-4000-8000-000000000000",
  );
}

test("every route with an ability answers 403 exactly where the duty matrix says no, for every role", async () => {
  const routes = app.routes.routes
    .filter((r) => "ability" in r.access)
    .sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
  assert.ok(routes.length >= 6, "the route table lists the guarded routes");
  const cells = { yes: 0, no: 0 };
  const wrong: string[] = [];
  for (const route of routes) {
    if (!("ability" in route.access)) continue;
    const { action, subject } = route.access.ability;
    for (const role of ROLES) {
      const agent = agents.get(role);
      assert.ok(agent);
      const allowed = abilityFor(role).can(action, subject);
      const path = concrete(route.path);
      const req = agent[route.method](path);
      const res = route.method === "get" || route.method === "delete" ? await req : await req.send({});
      const cell = `${role} ${route.method.toUpperCase()} ${route.path} (${action} ${subject})`;
      if (allowed) {
        cells.yes++;
        if (res.status === 403) wrong.push(`${cell}: matrix says yes, got 403 ${res.body?.code ?? ""}`);
      } else {
        cells.no++;
        if (res.status !== 403 || res.body?.code !== "FORBIDDEN") {
          wrong.push(`${cell}: matrix says no, got ${res.status} ${res.body?.code ?? ""}`);
        }
      }
    }
  }
  assert.deepEqual(wrong, [], `cells that disagree with policies/duties.ts:\n${wrong.join("\n")}`);
  assert.ok(cells.yes > 0 && cells.no > 0, `both kinds of cells were exercised (${cells.yes} yes, ${cells.no} no)`);
});

test("each role is refused somewhere and allowed somewhere: no role is a super-admin, none is idle", () => {
  const guarded = app.routes.routes.flatMap((r) => ("ability" in r.access ? [r.access.ability] : []));
  for (const role of ROLES) {
    const can = guarded.filter((a) => abilityFor(role).can(a.action, a.subject)).length;
    // The viewer reads what the SLA and incident routes offer; it is idle only until they exist.
    if (role !== "viewer") assert.ok(can > 0, `${role} may call some guarded route`);
    assert.ok(can < guarded.length, `${role} may not call every guarded route`);
  }
});
