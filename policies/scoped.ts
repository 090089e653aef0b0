import type { AppRule } from "./ability";

/** What a scoped admin (分级管理员) may be granted over a department subtree. */
export const SCOPED_ACTIONS = ["users.manage", "departments.manage", "view", "delegate"] as const;
export type ScopedAction = (typeof SCOPED_ACTIONS)[number];

export interface ScopedGrant {
  id: string;
  dimensionId: string;
  /** The root of the subtree the grant covers. */
  departmentId: string;
  actions: ScopedAction[];
  /** When the grant lapses (null: never). Caches of the grant's rules must not outlive it. */
  expiresAt?: Date | null;
}

/**
 * The CASL rules of a user's scoped-admin grants. Conditions name array fields, where CASL equality
 * means "contains" (compiled to `@>` in SQL by policies/compile.ts):
 * - OrgUnit (a department) `path`: its ancestor ids down to itself — inside the subtree when it holds the root;
 * - User `departmentPaths`: the ancestors of every department the user belongs to;
 * - Grant `path`: the path of the department a grant covers (delegation stays inside the subtree).
 * Dimensions and posts are readable so pickers work; they carry no personal data.
 */
export function scopedAdminRules(grants: ScopedGrant[]): AppRule[] {
  const rules: AppRule[] = [];
  for (const grant of grants) {
    const inTree = { path: grant.departmentId };
    const usersInTree = { departmentPaths: grant.departmentId };
    const actions = new Set(grant.actions);
    rules.push({ action: "read", subject: "OrgUnit", conditions: inTree } as AppRule);
    if (actions.has("users.manage")) {
      rules.push({
        action: ["read", "create", "update", "delete"],
        subject: "User",
        conditions: usersInTree,
      } as AppRule);
    } else {
      rules.push({ action: "read", subject: "User", conditions: usersInTree } as AppRule);
    }
    if (actions.has("departments.manage")) {
      rules.push({ action: ["create", "update", "delete"], subject: "OrgUnit", conditions: inTree } as AppRule);
    }
    if (actions.has("delegate")) {
      rules.push({ action: ["read", "create", "delete"], subject: "Grant", conditions: inTree } as AppRule);
    }
  }
  if (grants.length > 0) rules.push({ action: "read", subject: ["Dimension", "Post"] } as AppRule);
  return rules;
}
