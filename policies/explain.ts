import { subject as asSubject } from "@casl/ability";
import type { AppAbility } from "./ability";
import type { RuleSource, RuleTrace } from "./policy-set";

/** A check on a resource: its type and the attributes the caller knows. */
export interface ResourceInput {
  type: string;
  /** Absent: a question about the type ("may S read some Document?"). */
  attributes?: Record<string, unknown> | undefined;
}

export interface ExplainedRule {
  /** null only for a rule built outside buildAbility (never in the API). */
  source: RuleSource | null;
  effect: "allow" | "deny";
  actions: string[];
  resource: string;
  conditions?: Record<string, unknown>;
  /** Whether the rule matched this resource (or, for a policy rule left out, false). */
  matched: boolean;
  notes?: string[];
}

export interface Decision {
  allowed: boolean;
  /** Resource attributes a deny rule needs but the check did not send: decided as denied. */
  missing?: string[];
}

export interface Explanation extends Decision {
  decisive: ExplainedRule[];
  considered: ExplainedRule[];
}

/** CASL's generic ability type does not admit arbitrary business actions and types; this view does. */
interface LooseAbility {
  can(action: string, subject: unknown): boolean;
  rulesFor(action: string, subjectType: string): LooseRule[];
  relevantRuleFor(action: string, subject: unknown): LooseRule | null;
}
interface LooseRule {
  inverted: boolean;
  conditions?: Record<string, unknown>;
  action: string | string[];
  subject: string | string[];
  origin: { source?: RuleSource };
  matchesConditions(object: unknown): boolean;
}

/** Business actions and resource types are plain strings; CASL's typed surface only knows the built-in ones. */
const loose = (ability: AppAbility) => ability as unknown as LooseAbility;

const target = (resource: ResourceInput) =>
  resource.attributes ? asSubject(resource.type, { ...resource.attributes }) : resource.type;

/**
 * The decision for one (action, resource). A deny rule whose condition names an attribute the check
 * did not send cannot be evaluated: the answer is "denied", with the missing attributes named, so a
 * business app that forgets an attribute never slips past a deny (fail closed).
 */
export function decide(ability: AppAbility, action: string, resource: ResourceInput): Decision {
  const a = loose(ability);
  if (resource.attributes) {
    const missing = missingForDenies(a, action, resource.type, resource.attributes);
    if (missing.length) return { allowed: false, missing };
  }
  return { allowed: a.can(action, target(resource)) };
}

function missingForDenies(a: LooseAbility, action: string, type: string, attrs: Record<string, unknown>): string[] {
  const missing = new Set<string>();
  for (const rule of a.rulesFor(action, type)) {
    if (!rule.inverted || !rule.conditions) continue;
    for (const field of Object.keys(rule.conditions)) if (!Object.hasOwn(attrs, field)) missing.add(field);
  }
  return [...missing];
}

/** The decision with the rules that made it and every rule that was considered. */
export function explain(
  ability: AppAbility,
  action: string,
  resource: ResourceInput,
  traces: RuleTrace[] = [],
): Explanation {
  const a = loose(ability);
  const decision = decide(ability, action, resource);
  const object = target(resource);
  const rules = a.rulesFor(action, resource.type);
  const describe = (rule: LooseRule, matched: boolean): ExplainedRule => ({
    source: rule.origin.source ?? null,
    effect: rule.inverted ? "deny" : "allow",
    actions: ([] as string[]).concat(rule.action),
    resource: resource.type,
    ...(rule.conditions ? { conditions: rule.conditions } : {}),
    matched,
  });
  const considered: ExplainedRule[] = rules.map((rule) => describe(rule, rule.matchesConditions(object)));
  // Policy rules for this action and type that did not make it into the ability, and why.
  for (const t of traces) {
    if (t.applies || t.resource !== resource.type || !t.actions.includes(action)) continue;
    considered.push({
      source: t.source,
      effect: t.effect,
      actions: t.actions,
      resource: t.resource,
      matched: false,
      notes: t.notes,
    });
  }
  // Notes on policy rules that are in the ability (a deny widened by an unknown reference).
  for (const entry of considered) {
    if (entry.source?.kind !== "policy" || entry.notes) continue;
    const source = entry.source;
    const t = traces.find(
      (x) => x.applies && x.source.policyId === source.policyId && x.source.ruleIndex === source.ruleIndex,
    );
    if (t?.notes.length) entry.notes = t.notes;
  }
  let decisive: ExplainedRule[] = [];
  if (decision.missing) {
    decisive = rules
      .filter((r) => r.inverted && r.conditions && Object.keys(r.conditions).some((f) => decision.missing?.includes(f)))
      .map((r) => ({
        ...describe(r, true),
        notes: [`missing resource attribute(s): ${decision.missing?.join(", ")}`],
      }));
  } else {
    const relevant = a.relevantRuleFor(action, object);
    if (relevant) decisive = [describe(relevant, true)];
  }
  return { ...decision, decisive, considered };
}
