import { type AppAbility, buildAbility, tagRules } from "../../../policies/ability";
import type { DecisionEnvironmentInput } from "../../../policies/environment";
import {
  applicableRules,
  compilePolicySet,
  type PolicySet,
  type PublishedPolicy,
  policyRules,
  type RuleTrace,
  type SubjectAttributes,
  type TaggedRule,
} from "../../../policies/policy-set";
import { PolicyDocumentSchema, validatePolicyDocument } from "../../../policies/document";
import { scopedAdminRules, type ScopedGrant } from "../../../policies/scoped";
import { isRole } from "../../../policies/subjects";
import type { PublishedRow } from "./policy-store";

/** Scoped-admin grants as tagged CASL rules, one source per grant (for explanations). */
export function grantRules(grants: ScopedGrant[]): TaggedRule[] {
  return grants.flatMap((g) => tagRules(scopedAdminRules([g]), { kind: "grant", grantId: g.id }));
}

/**
 * Published rows → a compiled set. A stored document that no longer validates (the vocabulary
 * changed under it) is left out rather than trusted, and reported to the caller to log. Of a row whose
 * MAC failed (`denyOnly`) only the deny rules are compiled: it may take access away, never give it.
 */
export function compileRows(rows: PublishedRow[], onInvalid: (row: PublishedRow) => void): PolicySet {
  const policies: PublishedPolicy[] = [];
  for (const row of rows) {
    const parsed = PolicyDocumentSchema.safeParse(row.document);
    if (!parsed.success || validatePolicyDocument(parsed.data).length > 0) {
      onInvalid(row);
      continue;
    }
    // A row that failed its integrity check keeps only its deny rules (authz/integrity.ts).
    const document = row.denyOnly
      ? { ...parsed.data, rules: parsed.data.rules.filter((rule) => rule.effect === "deny") }
      : parsed.data;
    policies.push({ id: row.id, name: row.name, version: row.version, document });
  }
  return compilePolicySet(policies);
}

export interface Composition {
  ability: AppAbility;
  traces?: RuleTrace[];
}

/**
 * The ability of one subject in one environment: duty matrix (for a real account's admin role),
 * scoped-admin grants, and the authored policies that apply. `bits` (from applicableRules) may be
 * passed when the caller already computed it for its cache key.
 */
export function composeAbility(input: {
  role: string | null;
  grants: TaggedRule[];
  set: PolicySet;
  subject: SubjectAttributes;
  env: DecisionEnvironmentInput;
  bits?: string;
  trace?: boolean;
}): Composition {
  const bits = input.bits ?? applicableRules(input.set, input.subject, input.env);
  const traces: RuleTrace[] | undefined = input.trace ? [] : undefined;
  const { allows, denies } = policyRules(
    input.set,
    input.subject,
    bits,
    traces ? { traces, env: input.env } : undefined,
  );
  const ability = buildAbility({
    role: isRole(input.role) ? input.role : null,
    grantRules: input.grants,
    policyAllows: allows,
    policyDenies: denies,
  });
  return traces ? { ability, traces } : { ability };
}
