import type { AppRule } from "./ability";
import {
  attributeInfo,
  type AttributeInfo,
  isRef,
  type Operator,
  type PolicyDocument,
  type PolicyRule,
} from "./document";
import { cidrMatcher, type DecisionEnvironmentInput, inTimeWindow, type TimeWindow } from "./environment";
import type { Role } from "./subjects";

/** Where a rule of an ability came from, for explanations (simulator, PDP explain). */
export type RuleSource =
  | { kind: "duty"; role: Role }
  | { kind: "grant"; grantId: string }
  | { kind: "policy"; policyId: string; policyName: string; version: number; ruleIndex: number };
export type PolicySource = Extract<RuleSource, { kind: "policy" }>;

/** An ability rule carrying its source; packRules and CASL ignore the extra field. */
export type TaggedRule = AppRule & { source: RuleSource };

/**
 * What a policy may know about the subject. A user loaded from the database has every field; a
 * subject given by attributes (PDP, simulator) may lack some, and a missing value never widens access.
 */
export interface SubjectAttributes {
  id?: string | undefined;
  tenantId?: string | undefined;
  /** An admin role, or "user" for an account without one. */
  role?: string | undefined;
  /** Every department id on the paths of the subject's memberships (ancestors included). */
  departmentPath?: string[] | undefined;
  /** The ids of the subject's posts. */
  post?: string[] | undefined;
  clearanceLevel?: number | undefined;
  attributes?: Record<string, unknown> | undefined;
}

export interface PublishedPolicy {
  id: string;
  name: string;
  version: number;
  document: PolicyDocument;
}

type Tri = boolean | undefined;
type Gate = (subject: SubjectAttributes, env: DecisionEnvironmentInput) => Tri;

interface CompiledResourceCondition {
  field: string;
  mongo: string;
  value?: unknown;
  /** A subject attribute whose value is substituted when the ability is built. */
  ref?: AttributeInfo;
  text: string;
}

export interface CompiledRule {
  source: PolicySource;
  effect: "allow" | "deny";
  actions: string[];
  resource: string;
  /** Subject and environment conditions, decided when the ability is built. */
  gates: { gate: Gate; text: string; scope: "subject" | "environment" }[];
  resourceConditions: CompiledResourceCondition[];
}

/** A tenant's published policies, compiled once per policy generation. */
export interface PolicySet {
  rules: CompiledRule[];
  /** Some rule looks at environment.mfa: the authorizer must know whether the session has a second factor. */
  usesMfa: boolean;
  /** Some rule looks at the subject beyond its id, tenant and role: attributes must be loaded. */
  usesSubjectAttributes: boolean;
}

export const EMPTY_POLICY_SET: PolicySet = { rules: [], usesMfa: false, usesSubjectAttributes: false };

const MONGO: Partial<Record<Operator, string>> = {
  eq: "$eq",
  ne: "$ne",
  in: "$in",
  nin: "$nin",
  lt: "$lt",
  lte: "$lte",
  gt: "$gt",
  gte: "$gte",
  // CASL equality on an array field means "contains"; $in on an array field means "overlaps".
  contains: "$eq",
  containsAny: "$in",
};

/** Compiles validated documents (validatePolicyDocument returned no issue) into a PolicySet. */
export function compilePolicySet(policies: PublishedPolicy[]): PolicySet {
  const rules: CompiledRule[] = [];
  let usesMfa = false;
  let usesSubjectAttributes = false;
  for (const policy of policies) {
    policy.document.rules.forEach((rule, ruleIndex) => {
      const compiled = compileRule(rule, {
        kind: "policy",
        policyId: policy.id,
        policyName: policy.name,
        version: policy.version,
        ruleIndex,
      });
      for (const c of rule.conditions) {
        if (c.attribute === "environment.mfa") usesMfa = true;
        const refers = isRef(c.value) ? c.value.ref : c.attribute;
        if (refers.startsWith("subject.") && !["subject.id", "subject.tenantId", "subject.role"].includes(refers)) {
          usesSubjectAttributes = true;
        }
      }
      rules.push(compiled);
    });
  }
  return { rules, usesMfa, usesSubjectAttributes };
}

function compileRule(rule: PolicyRule, source: PolicySource): CompiledRule {
  const gates: CompiledRule["gates"] = [];
  const resourceConditions: CompiledResourceCondition[] = [];
  for (const cond of rule.conditions) {
    const info = attributeInfo(cond.attribute);
    if (!info) throw new Error(`unvalidated policy document: unknown attribute ${cond.attribute}`);
    const text = `${cond.attribute} ${cond.operator} ${JSON.stringify(cond.value)}`;
    if (info.scope === "resource") {
      const mongo = MONGO[cond.operator];
      if (!mongo) throw new Error(`unvalidated policy document: ${cond.operator} on ${cond.attribute}`);
      if (isRef(cond.value)) {
        const ref = attributeInfo(cond.value.ref);
        if (!ref) throw new Error(`unvalidated policy document: reference ${cond.value.ref}`);
        resourceConditions.push({ field: info.field, mongo, ref, text });
      } else {
        resourceConditions.push({ field: info.field, mongo, value: cond.value, text });
      }
    } else {
      gates.push({ gate: compileGate(info, cond.operator, cond.value), text, scope: info.scope });
    }
  }
  return { source, effect: rule.effect, actions: rule.actions, resource: rule.resource, gates, resourceConditions };
}

/** The value of a subject attribute, or undefined when the subject does not carry it. */
export function subjectValue(subject: SubjectAttributes, info: AttributeInfo): unknown {
  if (info.field.startsWith("attributes.")) {
    const attrs = subject.attributes;
    const name = info.field.slice("attributes.".length);
    return attrs && Object.hasOwn(attrs, name) ? attrs[name] : undefined;
  }
  return subject[info.field as keyof SubjectAttributes];
}

function compileGate(info: AttributeInfo, operator: Operator, value: unknown): Gate {
  if (info.scope === "environment") {
    if (info.kind === "ip") {
      const matches = cidrMatcher(value as string[]);
      const negate = operator === "notInCidr";
      return (_s, env) => (env.ip === undefined ? undefined : matches(normaliseIp(env.ip)) !== negate);
    }
    if (info.kind === "time") {
      const window = value as TimeWindow;
      return (_s, env) => (env.time === undefined ? undefined : inTimeWindow(window, env.time));
    }
    return (_s, env) => (env.mfa === undefined ? undefined : env.mfa === value);
  }
  const compare = comparator(operator, value);
  return (subject) => {
    const actual = subjectValue(subject, info);
    return actual === undefined ? undefined : compare(actual);
  };
}

/** Subject-side comparisons, with the same meaning as CASL's on the resource side. */
function comparator(operator: Operator, expected: unknown): (actual: unknown) => boolean {
  const list = Array.isArray(expected) ? expected : [];
  const num = (a: unknown, f: (x: number, y: number) => boolean) =>
    typeof a === "number" && typeof expected === "number" && f(a, expected);
  switch (operator) {
    case "eq":
      return (a) => a === expected;
    case "ne":
      return (a) => a !== expected;
    case "in":
      return (a) => list.includes(a);
    case "nin":
      return (a) => !list.includes(a);
    case "lt":
      return (a) => num(a, (x, y) => x < y);
    case "lte":
      return (a) => num(a, (x, y) => x <= y);
    case "gt":
      return (a) => num(a, (x, y) => x > y);
    case "gte":
      return (a) => num(a, (x, y) => x >= y);
    case "contains":
      return (a) => Array.isArray(a) && a.includes(expected);
    case "containsAny":
      return (a) => Array.isArray(a) && a.some((x) => list.includes(x));
    default:
      throw new Error(`operator ${operator} is not a subject operator`);
  }
}

/** "::ffff:10.0.0.1" (an IPv4 client on a dual-stack socket) is 10.0.0.1. */
export function normaliseIp(ip: string): string {
  return ip.startsWith("::ffff:") && ip.includes(".") ? ip.slice(7) : ip;
}

/**
 * Which rules apply to this subject in this environment. A rule applies when its conditions on the
 * subject and the environment hold; an unknown value (no IP sent, an attribute the subject lacks)
 * fails closed: an allow rule needs every condition known and true, a deny rule applies unless a
 * condition is known to be false. One character per rule ("1" applies, "0" not), usable as a cache key.
 */
export function applicableRules(set: PolicySet, subject: SubjectAttributes, env: DecisionEnvironmentInput): string {
  let bits = "";
  for (const rule of set.rules) {
    let applies = true;
    for (const { gate } of rule.gates) {
      const result = gate(subject, env);
      if (rule.effect === "allow" ? result !== true : result === false) {
        applies = false;
        break;
      }
    }
    bits += applies ? "1" : "0";
  }
  return bits;
}

export interface RuleTrace {
  source: PolicySource;
  effect: "allow" | "deny";
  actions: string[];
  resource: string;
  applies: boolean;
  /** Why a rule was left out or widened, in the words of its conditions. */
  notes: string[];
}

/**
 * The CASL rules of the applicable policy rules (allow rules first, deny rules last so a matching
 * deny always wins), with subject references substituted. `bits` comes from applicableRules.
 */
export function policyRules(
  set: PolicySet,
  subject: SubjectAttributes,
  bits: string,
  trace?: { traces: RuleTrace[]; env: DecisionEnvironmentInput },
): { allows: TaggedRule[]; denies: TaggedRule[] } {
  const traces = trace?.traces;
  const allows: TaggedRule[] = [];
  const denies: TaggedRule[] = [];
  set.rules.forEach((rule, i) => {
    const notes: string[] = [];
    let applies = bits[i] === "1";
    if (trace && rule.gates.length) notes.push(...gateNotes(rule, subject, trace.env));
    const conditions: Record<string, Record<string, unknown>> = {};
    if (applies) {
      for (const c of rule.resourceConditions) {
        let value = c.value;
        if (c.ref) {
          value = subjectValue(subject, c.ref);
          if (value === undefined) {
            notes.push(`the subject has no ${c.ref.field}, which ${c.text} refers to`);
            if (rule.effect === "allow") {
              applies = false;
              break;
            }
            continue; // a deny loses the condition it cannot evaluate: it gets wider, never narrower
          }
        }
        conditions[c.field] = { ...conditions[c.field], [c.mongo]: value };
      }
    }
    traces?.push({
      source: rule.source,
      effect: rule.effect,
      actions: rule.actions,
      resource: rule.resource,
      applies,
      notes,
    });
    if (!applies) return;
    const raw = {
      action: rule.actions,
      subject: rule.resource,
      ...(Object.keys(conditions).length ? { conditions } : {}),
      ...(rule.effect === "deny" ? { inverted: true } : {}),
      source: rule.source,
    } as unknown as TaggedRule;
    (rule.effect === "deny" ? denies : allows).push(raw);
  });
  return { allows, denies };
}

/** Each subject/environment condition of a rule with what it evaluated to, for explanations. */
function gateNotes(rule: CompiledRule, subject: SubjectAttributes, env: DecisionEnvironmentInput): string[] {
  return rule.gates.map(({ gate, text, scope }) => {
    const result = gate(subject, env);
    const outcome = result === undefined ? "unknown (no value given)" : result ? "holds" : "does not hold";
    return `${scope} condition ${text}: ${outcome}`;
  });
}
