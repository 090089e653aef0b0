import { resolveWatermark, type Viewer } from "./resolve";
import type { WatermarkPolicy } from "./store";

/**
 * The console's "who gets which watermark" tester: why each policy does or does not apply. The
 * ranking is resolveWatermark itself, asked again without the policies already ranked, so the
 * explanation can never disagree with what viewers get; this file only says which rule separated
 * each neighbour from the next.
 */
export const RULE = [
  "enabled, and now within [validFrom, validTo)",
  "every scope dimension the policy sets matches (departments as subtrees, apps, contexts)",
  "higher priority",
  "more scope dimensions set",
  "deeper matched department",
  "more recently updated",
  "smaller id",
];

type Exclusion = "disabled" | "not-yet-valid" | "expired" | "department" | "app" | "context";

interface Ranked {
  policy: WatermarkPolicy;
  dimensions: number;
  depth: number;
}

export interface Explanation {
  chosen: { id: string; name: string; priority: number } | null;
  lines: string[];
  candidates: {
    id: string;
    name: string;
    priority: number;
    rank: number;
    dimensions: number;
    depth: number;
    updatedAt: string;
    reason: string;
  }[];
  excluded: { id: string; name: string; priority: number; reason: Exclusion }[];
  rule: string[];
}

/** Depth (1-based) of the deepest of the viewer's departments inside one of the subtrees, or 0. */
function depthOf(p: WatermarkPolicy, viewer: Viewer): number {
  let best = 0;
  for (const path of viewer.departmentPaths) {
    for (const root of p.scope.departments) {
      const at = path.indexOf(root);
      if (at >= 0) best = Math.max(best, at + 1);
    }
  }
  return best;
}

function exclusionOf(p: WatermarkPolicy, viewer: Viewer, now: Date): Exclusion | null {
  if (!p.enabled) return "disabled";
  if (p.validFrom && now < p.validFrom) return "not-yet-valid";
  if (p.validTo && now >= p.validTo) return "expired";
  if (p.scope.departments.length > 0 && depthOf(p, viewer) === 0) return "department";
  if (p.scope.apps.length > 0 && !(viewer.appId && p.scope.apps.includes(viewer.appId))) return "app";
  if (p.scope.contexts.length > 0 && !(viewer.context && p.scope.contexts.includes(viewer.context))) return "context";
  return null;
}

const dimensionsOf = (p: WatermarkPolicy) =>
  [p.scope.departments, p.scope.apps, p.scope.contexts].filter((d) => d.length > 0).length;

/** Which rule put `a` before `b`. */
function separation(a: Ranked, b: Ranked): string {
  if (a.policy.priority !== b.policy.priority) return `priority ${b.policy.priority} < ${a.policy.priority}`;
  if (a.dimensions !== b.dimensions) return `fewer scope dimensions set (${b.dimensions} < ${a.dimensions})`;
  if (a.depth !== b.depth) return `a shallower department matched (level ${b.depth} < ${a.depth})`;
  if (a.policy.updatedAt.getTime() !== b.policy.updatedAt.getTime()) return "updated less recently";
  return "equal on every rule; the larger id";
}

export function explainResolution(
  policies: readonly WatermarkPolicy[],
  viewer: Viewer,
  now: Date,
): { chosen: WatermarkPolicy | null; view: Omit<Explanation, "lines"> } {
  const excluded: Explanation["excluded"] = [];
  let remaining: WatermarkPolicy[] = [];
  for (const p of policies) {
    const reason = exclusionOf(p, viewer, now);
    if (reason) excluded.push({ id: p.id, name: p.name, priority: p.priority, reason });
    else remaining.push(p);
  }
  const ranked: Ranked[] = [];
  for (let next = resolveWatermark(remaining, viewer, now); next; next = resolveWatermark(remaining, viewer, now)) {
    const picked = next;
    ranked.push({ policy: picked, dimensions: dimensionsOf(picked), depth: depthOf(picked, viewer) });
    remaining = remaining.filter((p) => p !== picked);
  }
  const candidates = ranked.map((r, i) => {
    const above = ranked[i - 1];
    return {
      id: r.policy.id,
      name: r.policy.name,
      priority: r.policy.priority,
      rank: i + 1,
      dimensions: r.dimensions,
      depth: r.depth,
      updatedAt: r.policy.updatedAt.toISOString(),
      reason: above ? `below "${above.policy.name}": ${separation(above, r)}` : "chosen",
    };
  });
  const chosen = ranked[0]?.policy ?? null;
  return {
    chosen,
    view: {
      chosen: chosen ? { id: chosen.id, name: chosen.name, priority: chosen.priority } : null,
      candidates,
      excluded,
      rule: RULE,
    },
  };
}
