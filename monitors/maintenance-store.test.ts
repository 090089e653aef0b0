import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type TestDatabase, testDatabase } from "../test/support/db";
import { findCycle, loadDependencyGraph, saveDependencies } from "./dependencies-store";
import {
  boundsOf,
  maintenanceIntervalsFor,
  monitorsInMaintenance,
  type StoredMaintenance,
  toMaintenanceWindow,
} from "./maintenance-store";
import { insertMonitor, insertTenant } from "./testing-db";

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2026, 10, 2, 0, 0, 0); // Monday 2 November 2026, 08:00 in Shanghai
const iso = (t: number) => new Date(t).toISOString();

describe("stored maintenance: pure parts", () => {
  test("toMaintenanceWindow turns ISO instants into epoch ms", () => {
    assert.deepEqual(toMaintenanceWindow({ kind: "once", start: iso(T0), end: iso(T0 + HOUR) }), {
      kind: "once",
      start: T0,
      end: T0 + HOUR,
    });
    const w = toMaintenanceWindow({
      kind: "recurring",
      frequency: "weekly",
      weekdays: [1],
      startTime: "22:00",
      durationMinutes: 60,
      from: iso(T0),
    });
    assert.equal(w.kind === "recurring" && w.from, T0);
    assert.equal(w.kind === "recurring" && w.until, undefined);
  });

  test("bounds: a one-off window is its interval; a recurring one reaches until + duration", () => {
    assert.deepEqual(boundsOf({ kind: "once", start: iso(T0), end: iso(T0 + HOUR) }), {
      notBefore: new Date(T0),
      notAfter: new Date(T0 + HOUR),
    });
    const rec: StoredMaintenance = {
      kind: "recurring",
      frequency: "daily",
      startTime: "01:00",
      durationMinutes: 90,
      until: iso(T0),
    };
    assert.deepEqual(boundsOf(rec), { notBefore: null, notAfter: new Date(T0 + 90 * MIN) });
  });

  test("findCycle: self, direct and indirect cycles, and none", () => {
    const graph = new Map([
      ["b", ["c"]],
      ["c", ["d"]],
    ]);
    assert.deepEqual(findCycle(graph, "a", ["a"]), ["a", "a"]);
    assert.deepEqual(findCycle(graph, "d", ["b"]), ["d", "b", "c", "d"]);
    assert.deepEqual(findCycle(graph, "c", ["b"]), ["c", "b", "c"]);
    assert.equal(findCycle(graph, "a", ["b", "c"]), null);
    // Replacing a monitor's edges: the old ones do not count.
    assert.equal(findCycle(new Map([["a", ["b"]]]), "a", []), null);
    assert.equal(findCycle(new Map([["b", ["a"]]]), "b", ["c"]), null);
  });
});

describe("stored maintenance and dependencies", () => {
  let database: TestDatabase;
  let tenantId: string;
  const tcp = (name: string, appId?: string) => ({
    type: "tcp" as const,
    name,
    host: "127.0.0.1",
    port: 5432,
    intervalSeconds: 60,
    ...(appId ? { appId } : {}),
  });
  before(async () => {
    database = await testDatabase();
    tenantId = await insertTenant(database.db);
  });
  after(() => database?.close());

  async function insertApp(name: string): Promise<string> {
    const row = await database.db
      .insertInto("monitor_apps")
      .values({ tenant_id: tenantId, name, created_by: null, updated_by: null })
      .returning("id")
      .executeTakeFirstOrThrow();
    return row.id;
  }
  async function insertWindow(
    d: StoredMaintenance,
    scope: { monitorIds?: string[]; appIds?: string[] },
    enabled = true,
  ): Promise<string> {
    const b = boundsOf(d);
    const row = await database.db
      .insertInto("maintenance_windows")
      .values({
        tenant_id: tenantId,
        name: "w",
        definition: JSON.stringify(d),
        monitor_ids: scope.monitorIds ?? [],
        app_ids: scope.appIds ?? [],
        enabled,
        not_before: b.notBefore,
        not_after: b.notAfter,
        created_by: null,
        updated_by: null,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return row.id;
  }

  test("a monitor's own windows and its app's; disabled and out-of-range windows are not", async () => {
    const app = await insertApp("portal");
    const a = await insertMonitor(database.db, tenantId, tcp("a", app));
    const b = await insertMonitor(database.db, tenantId, tcp("b"));
    const c = await insertMonitor(database.db, tenantId, tcp("c"));
    await insertWindow({ kind: "once", start: iso(T0 + HOUR), end: iso(T0 + 2 * HOUR) }, { monitorIds: [a, b] });
    // Daily 10:00–10:30 Shanghai = 02:00–02:30 UTC, for the app (so monitor a).
    await insertWindow(
      { kind: "recurring", frequency: "daily", startTime: "10:00", durationMinutes: 30 },
      { appIds: [app] },
    );
    await insertWindow({ kind: "once", start: iso(T0), end: iso(T0 + 3 * HOUR) }, { monitorIds: [c] }, false);
    await insertWindow({ kind: "once", start: iso(T0 - 5 * HOUR), end: iso(T0 - 4 * HOUR) }, { monitorIds: [c] });

    const got = await maintenanceIntervalsFor(database.db, [a, b, c], new Date(T0), new Date(T0 + 6 * HOUR));
    const sorted = (id: string) =>
      [...(got.get(id) ?? [])].sort((x, y) => x.start - y.start).map((i) => [i.start - T0, i.end - T0]);
    assert.deepEqual(sorted(a), [
      [HOUR, 2 * HOUR],
      [2 * HOUR, 2 * HOUR + 30 * MIN],
    ]);
    assert.deepEqual(sorted(b), [[HOUR, 2 * HOUR]]);
    assert.equal(got.has(c), false, "disabled or outside the range");
    assert.equal((await maintenanceIntervalsFor(database.db, [], new Date(T0), new Date(T0 + HOUR))).size, 0);

    const at = (t: number) => monitorsInMaintenance(database.db, new Date(t));
    assert.deepEqual([...(await at(T0 + 90 * MIN))].sort(), [a, b].sort());
    assert.deepEqual([...(await at(T0 + 2 * HOUR + 10 * MIN))], [a]);
    assert.equal((await at(T0 + 2 * HOUR + 30 * MIN)).size, 0, "the end is exclusive");
    assert.equal((await at(T0 + 3 * HOUR)).size, 0);
  });

  test("dependencies: the graph, replaced edges, and deleting a monitor removes its edges", async () => {
    const idp = await insertMonitor(database.db, tenantId, tcp("idp"));
    const app1 = await insertMonitor(database.db, tenantId, tcp("app1"));
    const app2 = await insertMonitor(database.db, tenantId, tcp("app2"));
    await saveDependencies(database.db, app1, [idp]);
    await saveDependencies(database.db, app2, [idp, app1]);
    await saveDependencies(database.db, app2, [idp]);
    let graph = await loadDependencyGraph(database.db);
    assert.deepEqual(graph.get(app1), [idp]);
    assert.deepEqual(graph.get(app2), [idp]);
    assert.equal(graph.has(idp), false);
    await database.db.deleteFrom("monitors").where("id", "=", idp).execute();
    graph = await loadDependencyGraph(database.db);
    assert.equal(graph.has(app1) || graph.has(app2), false);
  });
});
