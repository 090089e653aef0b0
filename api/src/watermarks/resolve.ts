/**
 * Which watermark a viewer gets (docs/watermarks.md, "Resolution"). Exactly one policy applies —
 * watermarks are not layered — chosen deterministically among those that match:
 *   1. enabled, and `now` within [validFrom, validTo) (either end open when null);
 *   2. every scope dimension the policy sets matches: one of the viewer's departments is in one of
 *      its department subtrees, the app is one of its apps, the context one of its contexts; a
 *      dimension left empty matches anything;
 *   3. the highest priority wins; then the more specific scope (more dimensions set; for equal
 *      counts, the deeper matched department); then the most recently updated; then the smaller id.
 */
export const CONTEXTS = ["chat", "external-group", "file-preview", "screen-share", "document", "app"] as const;
export type WatermarkContext = (typeof CONTEXTS)[number];

export interface PolicyScope {
  /** Department ids: each stands for its whole subtree. */
  departments: string[];
  apps: string[];
  contexts: WatermarkContext[];
}

export interface ResolvablePolicy {
  id: string;
  enabled: boolean;
  priority: number;
  scope: PolicyScope;
  validFrom: Date | null;
  validTo: Date | null;
  updatedAt: Date;
}

export interface Viewer {
  /** Each department the viewer belongs to, as its path of ids from the root down to itself. */
  departmentPaths: string[][];
  appId: string | null;
  context: WatermarkContext | null;
}

interface Candidate<P> {
  policy: P;
  dimensions: number;
  depth: number;
}

/** Depth (1-based) of the deepest department of the viewer inside one of the subtrees, or 0. */
function matchedDepth(scope: PolicyScope, viewer: Viewer): number {
  let best = 0;
  for (const path of viewer.departmentPaths) {
    for (const root of scope.departments) {
      const at = path.indexOf(root);
      if (at >= 0) best = Math.max(best, at + 1);
    }
  }
  return best;
}

export function resolveWatermark<P extends ResolvablePolicy>(
  policies: readonly P[],
  viewer: Viewer,
  now: Date,
): P | null {
  const candidates: Candidate<P>[] = [];
  for (const policy of policies) {
    if (!policy.enabled) continue;
    if (policy.validFrom && now < policy.validFrom) continue;
    if (policy.validTo && now >= policy.validTo) continue;
    const { scope } = policy;
    let dimensions = 0;
    let depth = 0;
    if (scope.departments.length > 0) {
      depth = matchedDepth(scope, viewer);
      if (depth === 0) continue;
      dimensions += 1;
    }
    if (scope.apps.length > 0) {
      if (!viewer.appId || !scope.apps.includes(viewer.appId)) continue;
      dimensions += 1;
    }
    if (scope.contexts.length > 0) {
      if (!viewer.context || !scope.contexts.includes(viewer.context)) continue;
      dimensions += 1;
    }
    candidates.push({ policy, dimensions, depth });
  }
  candidates.sort(
    (a, b) =>
      b.policy.priority - a.policy.priority ||
      b.dimensions - a.dimensions ||
      b.depth - a.depth ||
      b.policy.updatedAt.getTime() - a.policy.updatedAt.getTime() ||
      (a.policy.id < b.policy.id ? -1 : a.policy.id > b.policy.id ? 1 : 0),
  );
  return candidates[0]?.policy ?? null;
}
