import { createMongoAbility, type MongoAbility, type RawRuleOf } from "@casl/ability";
import { packRules } from "@casl/ability/extra";
import { DUTIES } from "./duties";
import type { Action, AdminRole, Subject } from "./subjects";

export type AppAbility = MongoAbility<[Action, Subject | (Record<string, unknown> & { __caslSubjectType__: Subject })]>;
export type AppRule = RawRuleOf<AppAbility>;

/** The raw CASL rules of a role; an account without an admin role gets none (deny by default). */
export function rulesFor(role: AdminRole | null): AppRule[] {
  if (!role) return [];
  return DUTIES[role].map((duty) => ({
    action: duty.action,
    subject: duty.subject,
    ...(duty.conditions ? { conditions: duty.conditions } : {}),
  })) as AppRule[];
}

const cache = new Map<AdminRole | null, AppAbility>();

/** Abilities are immutable per role for now, so one instance per role is shared by all requests. */
export function abilityFor(role: AdminRole | null): AppAbility {
  let ability = cache.get(role);
  if (!ability) {
    ability = createMongoAbility<AppAbility>(rulesFor(role));
    cache.set(role, ability);
  }
  return ability;
}

/** The compact form the console unpacks with `unpackRules` to build the same ability in the browser. */
export function packedRulesFor(role: AdminRole | null) {
  return packRules(rulesFor(role));
}
