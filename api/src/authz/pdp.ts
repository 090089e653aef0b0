import { decide, type Explanation, explain } from "../../../policies/explain";
import type { PolicyAuthorizer, SubjectEntry } from "./authorizer";
import { composeAbility } from "./compose";

export interface CheckInput {
  subject: { userId: string } | { attributes: Record<string, unknown> };
  action: string;
  resource: { type: string; attributes?: Record<string, unknown> | undefined };
  environment?: { ip?: string | undefined; time?: string | undefined; mfa?: boolean | undefined } | undefined;
}

export type CheckReason = "subject_not_found" | "subject_inactive" | "other_tenant" | "missing_attributes";

export interface CheckResult {
  allowed: boolean;
  /** Why a check was denied without reaching a rule (or, missing_attributes, by failing closed). */
  reason?: CheckReason;
  missing?: string[];
  explain?: Omit<Explanation, "allowed" | "missing">;
}

/**
 * The policy decision point for business apps: each check is decided against the tenant's ability for
 * the subject (a user of the tenant by id, or attributes) in the given environment. One policy set
 * and one generation serve the whole batch, so a batch is decided consistently.
 */
export async function checkBatch(
  authz: PolicyAuthorizer,
  tenantId: string,
  checks: CheckInput[],
  opts: { explain: boolean; now: Date },
): Promise<CheckResult[]> {
  const { generation, set } = await authz.policySet(tenantId);
  const entries = new Map<string, Promise<SubjectEntry>>();
  const entryFor = (subject: CheckInput["subject"]): Promise<SubjectEntry> => {
    if ("userId" in subject) {
      let p = entries.get(subject.userId);
      if (!p) {
        p = authz.userEntry(tenantId, generation, subject.userId);
        entries.set(subject.userId, p);
      }
      return p;
    }
    return Promise.resolve(authz.attributeEntry(tenantId, generation, subject.attributes));
  };
  const results: CheckResult[] = [];
  for (const check of checks) {
    const entry = await entryFor(check.subject);
    if (!entry.subject) {
      results.push({ allowed: false, reason: "subject_not_found" });
      continue;
    }
    if (entry.subject.status !== "active") {
      results.push({ allowed: false, reason: "subject_inactive" });
      continue;
    }
    const attrs = check.resource.attributes;
    if (attrs && attrs.tenantId !== undefined && attrs.tenantId !== tenantId) {
      results.push({ allowed: false, reason: "other_tenant" });
      continue;
    }
    // A resource of this tenant unless it says otherwise: the tenant attribute is always known.
    const resource = { type: check.resource.type, attributes: attrs ? { tenantId, ...attrs } : undefined };
    const env = {
      ip: check.environment?.ip,
      time: check.environment?.time ? new Date(check.environment.time) : opts.now,
      mfa: check.environment?.mfa,
    };
    // Only real accounts carry the duty matrix and grants; attributes only feed policy conditions.
    const role = "userId" in check.subject ? entry.subject.role : null;
    if (opts.explain) {
      const { ability, traces } = composeAbility({
        role,
        grants: entry.grants,
        set,
        subject: entry.subject,
        env,
        trace: true,
      });
      const { allowed, missing, decisive, considered } = explain(ability, check.action, resource, traces);
      results.push({
        allowed,
        ...(missing ? { reason: "missing_attributes" as const, missing } : {}),
        explain: { decisive, considered },
      });
      continue;
    }
    const built = authz.abilityOf(entry, set, env, role);
    const key = `${check.action}\u0000${resource.type}\u0000${attrs ? JSON.stringify(resource.attributes) : ""}`;
    let decision = built.decisions.get(key);
    if (!decision) {
      decision = decide(built.ability, check.action, resource);
      built.decisions.set(key, decision);
    }
    results.push(
      decision.missing
        ? { allowed: false, reason: "missing_attributes", missing: decision.missing }
        : { allowed: decision.allowed },
    );
  }
  return results;
}
