import type { DbOrTx } from "../api/src/db/pool";

/**
 * Dependencies between monitors (migration 0018): a monitor depends directly on others (every
 * business app's monitor on the identity service's). The graph is acyclic (`findCycle` is checked
 * before every change) and feeds `rootCause` in alerts.ts.
 */

/** Monitor id → ids it depends on directly. Monitors without dependencies are absent. */
export async function loadDependencyGraph(db: DbOrTx): Promise<Map<string, string[]>> {
  const rows = await db
    .selectFrom("monitor_dependencies")
    .select(["monitor_id", "depends_on"])
    .orderBy("monitor_id")
    .orderBy("depends_on")
    .execute();
  const graph = new Map<string, string[]>();
  for (const r of rows) graph.set(r.monitor_id, [...(graph.get(r.monitor_id) ?? []), r.depends_on]);
  return graph;
}

/**
 * The cycle that giving `monitorId` the direct dependencies `dependsOn` would make in `graph`, as
 * the path [monitorId, …, monitorId]; null when none. A self-dependency is the cycle [id, id].
 */
export function findCycle(
  graph: ReadonlyMap<string, readonly string[]>,
  monitorId: string,
  dependsOn: readonly string[],
): string[] | null {
  const next = (id: string) => (id === monitorId ? dependsOn : (graph.get(id) ?? []));
  // Depth-first from monitorId: a path back to it is the cycle. Each node is expanded once.
  const seen = new Set<string>();
  const path: string[] = [monitorId];
  const visit = (id: string): boolean => {
    for (const d of next(id)) {
      if (d === monitorId) {
        path.push(d);
        return true;
      }
      if (seen.has(d)) continue;
      seen.add(d);
      path.push(d);
      if (visit(d)) return true;
      path.pop();
    }
    return false;
  };
  return visit(monitorId) ? path : null;
}

/** Replaces a monitor's direct dependencies (the caller has checked ids and cycles). */
export async function saveDependencies(db: DbOrTx, monitorId: string, dependsOn: readonly string[]): Promise<void> {
  await db.deleteFrom("monitor_dependencies").where("monitor_id", "=", monitorId).execute();
  if (dependsOn.length === 0) return;
  await db
    .insertInto("monitor_dependencies")
    .values(dependsOn.map((d) => ({ monitor_id: monitorId, depends_on: d })))
    .execute();
}
