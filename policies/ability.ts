import { buildMongoQueryMatcher, createMongoAbility, type MongoAbility, type RawRuleOf } from "@casl/ability";
import { packRules } from "@casl/ability/extra";
import { DUTIES } from "./duties";
import type { RuleSource, TaggedRule } from "./policy-set";
import type { Action, Role, Subject } from "./subjects";

export type AppAbility = MongoAbility<[Action, Subject | (Record<string, unknown> & { __caslSubjectType__: Subject })]>;
export type AppRule = RawRuleOf<AppAbility>;

/**
 * Comparison for CASL conditions where a missing value (undefined or null) is not comparable with
 * anything but itself: `{ classificationLevel: { $lte: 3 } }` must not match a resource without a
 * level (CASL's default compare treats undefined as "smaller than everything"). This is also what
 * SQL does with NULL, so in-memory decisions and the WHERE clauses of policies/compile.ts agree.
 * Returning 2 ("incomparable") makes eq/lt/lte/gt/gte false and ne/nin true.
 */
function compare(a: unknown, b: unknown): 0 | 1 | -1 {
  if (a === b) return 0;
  if (a === null || a === undefined || b === null || b === undefined || typeof a !== typeof b) {
    return 2 as unknown as 0; // the interpreter only tests for 0, 1 and -1
  }
  return (a as number) > (b as number) ? 1 : -1;
}

const conditionsMatcher = buildMongoQueryMatcher({}, {}, { compare });

/**
 * No CASL wildcard: "manage" is not "every action" and "all" is not "every subject" in any ability
 * Tianshu builds, so no rule, however authored, can mean "everything" (there is no super-admin).
 */
const ABILITY_OPTIONS = {
  conditionsMatcher,
  anyAction: "\u0000none",
  anySubjectType: "\u0000none",
};

/** The duty matrix rules of a role, tagged with their source; none for an account without an admin role. */
export function dutyRules(role: Role | null): TaggedRule[] {
  if (!role) return [];
  return DUTIES[role].map(
    (duty) =>
      ({
        action: duty.action,
        subject: duty.subject,
        ...(duty.conditions ? { conditions: duty.conditions } : {}),
        source: { kind: "duty", role } satisfies RuleSource,
      }) as TaggedRule,
  );
}

/** The raw CASL rules of a role; an account without an admin role gets none (deny by default). */
export function rulesFor(role: Role | null): AppRule[] {
  return dutyRules(role).map(({ source: _source, ...rule }) => rule as AppRule);
}

export interface AbilityParts {
  role: Role | null;
  /** Scoped-admin grants (policies/scoped.ts), tagged per grant. */
  grantRules: TaggedRule[];
  /** Authored policy rules that apply to this subject now (policies/policy-set.ts). */
  policyAllows: TaggedRule[];
  policyDenies: TaggedRule[];
}

/**
 * One request's ability. CASL lets the last matching rule decide, so the order is what makes deny
 * win: duty matrix, grants and policy allows first, every policy deny after them.
 */
export function buildAbility(parts: AbilityParts): AppAbility {
  const rules = [...dutyRules(parts.role), ...parts.grantRules, ...parts.policyAllows, ...parts.policyDenies];
  return createMongoAbility<AppAbility>(rules as AppRule[], ABILITY_OPTIONS);
}

/** Tags scoped-admin rules with the grant they come from. */
export function tagRules(rules: AppRule[], source: RuleSource): TaggedRule[] {
  return rules.map((rule) => ({ ...rule, source }) as TaggedRule);
}

const cache = new Map<Role | null, AppAbility>();

/** The duty matrix alone: immutable per role, so one instance per role is shared. */
export function abilityFor(role: Role | null): AppAbility {
  let ability = cache.get(role);
  if (!ability) {
    ability = buildAbility({ role, grantRules: [], policyAllows: [], policyDenies: [] });
    cache.set(role, ability);
  }
  return ability;
}

/** The compact form the console unpacks with `unpackRules` to build the same ability in the browser. */
export function packedRulesFor(role: Role | null) {
  return packRules(rulesFor(role));
}

/** The packed rules of any ability: the console mirrors exactly what the server decides with. */
export function packAbility(ability: AppAbility) {
  return packRules(ability.rules.map(({ source: _source, ...rule }: AppRule & { source?: unknown }) => rule));
}
