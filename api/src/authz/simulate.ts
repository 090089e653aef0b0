import { decide, explain, type Explanation, type ResourceInput } from "../../../policies/explain";
import { attributeInfo, isBuiltInSubject, isRef, PolicyDocumentSchema } from "../../../policies/document";
import type { DecisionEnvironmentInput } from "../../../policies/environment";
import type { PolicySet, SubjectAttributes } from "../../../policies/policy-set";
import type { ScopedGrant } from "../../../policies/scoped";
import type { Db } from "../db/pool";
import type { RequestContext } from "../http/context";
import { NotFound } from "../http/errors";
import { compileRows, composeAbility, grantRules } from "./compose";
import type { CheckReason } from "./pdp";
import * as store from "./policy-store";
import type { AclGuard } from "./integrity";
import { departmentPaths, loadSubject, sampleUserIds } from "./subject-store";

export type SubjectInput = { userId: string } | { attributes: Record<string, unknown> };
export interface EnvironmentInput {
  ip?: string | undefined;
  time?: string | undefined;
  mfa?: boolean | undefined;
}

export interface SimulateInput {
  subject: SubjectInput;
  action: string;
  resource: ResourceInput;
  environment?: EnvironmentInput | undefined;
  draft?: { policyId: string; version: number } | undefined;
}

export interface DiffInput {
  policyId: string;
  version: number;
  sample?:
    | {
        userIds?: string[] | undefined;
        actions?: string[] | undefined;
        resources?: ResourceInput[] | undefined;
        environment?: EnvironmentInput | undefined;
      }
    | undefined;
}

export interface DiffChange {
  subject: { userId: string; username: string };
  action: string;
  resource: ResourceInput;
  before: boolean;
  after: boolean;
}

const DEFAULT_SAMPLE_USERS = 100;
const MAX_EVALUATIONS = 50_000;
const MAX_CHANGES = 500;
/** A resource owner who is nobody in the sample: "someone else's resource". */
const SOMEONE_ELSE = "00000000-0000-4000-8000-000000000000";

const envOf = (e: EnvironmentInput | undefined): DecisionEnvironmentInput => ({
  ip: e?.ip,
  time: e?.time ? new Date(e.time) : new Date(),
  mfa: e?.mfa,
});

export function createSimulator(deps: {
  db: Db;
  loadScopedGrants: (db: Db, tenantId: string, userId: string) => Promise<ScopedGrant[]>;
  /** Checks MACs as rows are loaded, as the authorizer does (integrity.ts). */
  guard: Pick<AclGuard, "check">;
}) {
  const { db } = deps;

  /** The tenant's published rows, with one policy's entry replaced by a draft version (or added). */
  async function rowsWith(tenantId: string, draft?: { policyId: string; version: number }) {
    const { policies } = await store.loadPublished(db, tenantId, deps.guard);
    if (!draft) return { before: policies, after: policies, draftDocument: null, publishedDocument: null };
    const policy = await store.findPolicy(db, tenantId, draft.policyId);
    if (!policy) throw new NotFound("POLICY_NOT_FOUND", "No such policy.", "策略不存在。");
    const version = await store.findVersion(db, draft.policyId, draft.version);
    if (!version) throw new NotFound("POLICY_VERSION_NOT_FOUND", "No such policy version.", "策略版本不存在。");
    const replaced = { id: policy.id, name: policy.name, version: version.version, document: version.document };
    const after = [...policies.filter((p) => p.id !== policy.id), replaced];
    const current = policies.find((p) => p.id === policy.id);
    return { before: policies, after, draftDocument: version.document, publishedDocument: current?.document ?? null };
  }

  async function subjectOf(tenantId: string, input: SubjectInput) {
    if ("attributes" in input) {
      const subject: SubjectAttributes & { status?: string } = { ...input.attributes, tenantId };
      return { subject, role: null, grants: [], username: "" };
    }
    const [subject, grants] = await Promise.all([
      loadSubject(db, tenantId, input.userId, deps.guard),
      deps.loadScopedGrants(db, tenantId, input.userId),
    ]);
    if (!subject) throw new NotFound("SUBJECT_NOT_FOUND", "No such user in this tenant.", "本租户中没有该用户。");
    // (status is only known for a real account; a subject given by attributes is taken as active)
    const active = subject.status === "active";
    return {
      subject,
      role: active ? subject.role : null,
      grants: active ? grantRules(grants) : [],
      username: subject.username,
    };
  }

  function resourceFor(tenantId: string, resource: ResourceInput): ResourceInput | null {
    const attrs = resource.attributes;
    if (attrs && attrs.tenantId !== undefined && attrs.tenantId !== tenantId) return null;
    return { type: resource.type, attributes: attrs ? { tenantId, ...attrs } : undefined };
  }

  return {
    /** "Can S do A on R?" with the rules that decided it, against the published set or a draft. */
    async simulate(ctx: RequestContext, input: SimulateInput): Promise<Explanation & { reason?: CheckReason }> {
      const tenantId = ctx.principal?.tenantId as string;
      const { after } = await rowsWith(tenantId, input.draft);
      const set = compileRows(after, () => {});
      const s = await subjectOf(tenantId, input.subject);
      const resource = resourceFor(tenantId, input.resource);
      if (!resource) return { allowed: false, reason: "other_tenant", decisive: [], considered: [] };
      if ("userId" in input.subject && s.subject.status !== "active") {
        return { allowed: false, reason: "subject_inactive", decisive: [], considered: [] };
      }
      const { ability, traces } = composeAbility({
        role: s.role,
        grants: s.grants,
        set,
        subject: s.subject,
        env: envOf(input.environment),
        trace: true,
      });
      const result = explain(ability, input.action, resource, traces);
      return result.missing ? { ...result, reason: "missing_attributes" as const } : result;
    },

    /** The (subject, action, resource) decisions that publishing `version` would change. */
    async diff(ctx: RequestContext, input: DiffInput) {
      const tenantId = ctx.principal?.tenantId as string;
      const rows = await rowsWith(tenantId, { policyId: input.policyId, version: input.version });
      const beforeSet = compileRows(rows.before, () => {});
      const afterSet = compileRows(rows.after, () => {});
      const docs = [rows.draftDocument, rows.publishedDocument].flatMap((d) => {
        const parsed = PolicyDocumentSchema.safeParse(d);
        return parsed.success ? [parsed.data] : [];
      });
      const named = namedInDocuments(docs);
      const actions = input.sample?.actions ?? [...named.actions];
      const userIds = input.sample?.userIds ?? (await sampleUserIds(db, tenantId, DEFAULT_SAMPLE_USERS));
      const paths = await departmentPaths(db, tenantId, [...named.departments]);
      const env = envOf(input.sample?.environment);
      const changes: DiffChange[] = [];
      let evaluated = 0;
      let truncated = false;
      outer: for (const userId of userIds) {
        const s = await subjectOf(tenantId, { userId }).catch(() => null);
        if (!s || s.subject.status !== "active") continue;
        const compose = (set: PolicySet) =>
          composeAbility({ role: s.role, grants: s.grants, set, subject: s.subject, env }).ability;
        const before = compose(beforeSet);
        const after = compose(afterSet);
        const resources =
          input.sample?.resources?.flatMap((r) => resourceFor(tenantId, r) ?? []) ??
          sampleResources(tenantId, named, paths, s.subject);
        for (const action of actions) {
          for (const resource of resources) {
            if (evaluated >= MAX_EVALUATIONS) {
              truncated = true;
              break outer;
            }
            evaluated++;
            const b = decide(before, action, resource).allowed;
            const a = decide(after, action, resource).allowed;
            if (a === b) continue;
            if (changes.length >= MAX_CHANGES) {
              truncated = true;
              continue;
            }
            changes.push({ subject: { userId, username: s.username }, action, resource, before: b, after: a });
          }
        }
      }
      return { changes, evaluated, truncated, sample: { users: userIds.length, actions } };
    },
  };
}

interface Named {
  actions: Set<string>;
  types: Set<string>;
  departments: Set<string>;
  fields: Set<string>;
  levels: boolean;
  ownerRef: boolean;
  departmentRef: boolean;
}

/** What the draft and the published version talk about: the diff's default sample is built from it. */
function namedInDocuments(
  docs: {
    rules: {
      actions: string[];
      resource: string;
      conditions: { attribute: string; operator: string; value: unknown }[];
    }[];
  }[],
): Named {
  const named: Named = {
    actions: new Set(),
    types: new Set(),
    departments: new Set(),
    fields: new Set(),
    levels: false,
    ownerRef: false,
    departmentRef: false,
  };
  for (const doc of docs) {
    for (const rule of doc.rules) {
      rule.actions.forEach((a) => named.actions.add(a));
      named.types.add(rule.resource);
      for (const c of rule.conditions) {
        const info = attributeInfo(c.attribute);
        if (info?.scope !== "resource") continue;
        named.fields.add(info.field);
        if (info.field === "classificationLevel") named.levels = true;
        if (info.field === "ownerId" && isRef(c.value)) named.ownerRef = true;
        if (info.field === "departmentPath") {
          if (isRef(c.value)) named.departmentRef = true;
          else for (const v of ([] as unknown[]).concat(c.value)) if (typeof v === "string") named.departments.add(v);
        }
      }
    }
  }
  return named;
}

/**
 * Sample resources of every type the documents name: built-in admin subjects as a type-level
 * question; business types as concrete resources varying what the rules look at (every level 0–9,
 * the named departments, the subject's own departments, own vs someone else's), all other
 * attributes present so no deny fails closed for lack of one.
 */
function sampleResources(
  tenantId: string,
  named: Named,
  paths: string[][],
  subject: SubjectAttributes,
): ResourceInput[] {
  const out: ResourceInput[] = [];
  const levels = named.levels ? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] : [0];
  const departmentOptions = [
    [],
    ...paths,
    ...(named.departmentRef && subject.departmentPath ? [subject.departmentPath] : []),
  ];
  const owners =
    named.ownerRef || named.fields.has("ownerId") ? [SOMEONE_ELSE, subject.id ?? SOMEONE_ELSE] : [SOMEONE_ELSE];
  for (const type of named.types) {
    if (isBuiltInSubject(type)) {
      out.push({ type });
      continue;
    }
    for (const classificationLevel of levels) {
      for (const departmentPath of departmentOptions) {
        for (const ownerId of new Set(owners)) {
          out.push({ type, attributes: { tenantId, classificationLevel, departmentPath, ownerId } });
        }
      }
    }
  }
  return out;
}
