import { ACTION_NAME, PolicyDocumentSchema, RESOURCE_TYPE, SUBJECT_ROLES } from "../../../policies/document";
import { listQuery } from "../http/list";
import { API_CLIENT_SCOPES, type ApiClientScope } from "../http/route";
import { z } from "../http/zod";

// ---- policies ----

// Rebuilt from the library's shape with the OpenAPI-extended zod, so it can carry a component name.
export const PolicyDocument = z.strictObject({ ...PolicyDocumentSchema.shape }).openapi("PolicyDocument", {
  description: "Rules {effect, actions, resource, conditions[{attribute, operator, value}]}; see docs/policies.md",
});

export const PolicySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    publishedVersion: z.number().int().nullable(),
    latestVersion: z.number().int(),
    version: z.number().int().describe("Optimistic-concurrency token (ETag)"),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Policy");

export const PolicyVersionSchema = z
  .object({
    policyId: z.string(),
    version: z.number().int(),
    status: z.enum(["draft", "published", "superseded"]),
    document: z.record(z.string(), z.unknown()).optional(),
    createdBy: z.string(),
    createdAt: z.string(),
    publishedBy: z.string().nullable(),
    publishedAt: z.string().nullable(),
  })
  .openapi("PolicyVersion");

const PolicyName = z.string().trim().min(1).max(100);
const Description = z.string().max(1000);

export const CreatePolicyBody = z
  .strictObject({ name: PolicyName, description: Description.optional(), document: PolicyDocument })
  .openapi("CreatePolicyRequest");
export const UpdatePolicyBody = z
  .strictObject({ name: PolicyName.optional(), description: Description.optional() })
  .openapi("UpdatePolicyRequest");
export const NewVersionBody = z.strictObject({ document: PolicyDocument }).openapi("NewPolicyVersionRequest");
export const VersionRefBody = z
  .strictObject({ version: z.number().int().min(1).max(1_000_000) })
  .openapi("PolicyVersionRef");

export const POLICY_SORTABLE = ["updatedAt", "name", "createdAt"] as const;
export const PolicyListQuery = listQuery(POLICY_SORTABLE, "updatedAt").extend({
  q: z.string().trim().max(100).optional(),
  status: z.enum(["published", "unpublished"]).optional(),
});
export const VersionListQuery = listQuery(["version"] as const, "version");
export const IdParams = z.strictObject({ id: z.uuid() });
export const VersionParams = z.strictObject({ id: z.uuid(), version: z.coerce.number().int().min(1).max(1_000_000) });

// ---- subjects, resources, environments (simulator, diff, PDP) ----

const Uuid = z.uuid();
const Scalar = z.union([z.string().max(200), z.number().finite(), z.boolean()]);

export const SubjectAttributesSchema = z
  .strictObject({
    id: Uuid.optional(),
    role: z.enum(SUBJECT_ROLES).optional(),
    departmentPath: z.array(Uuid).max(1000).optional(),
    post: z.array(Uuid).max(100).optional(),
    clearanceLevel: z.number().int().min(0).max(9).optional(),
    attributes: z
      .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/), Scalar)
      .refine((r) => Object.keys(r).length <= 50, "at most 50 custom attributes")
      .optional(),
  })
  .openapi("SubjectAttributes");

export const SubjectRef = z
  .union([z.strictObject({ userId: Uuid }), z.strictObject({ attributes: SubjectAttributesSchema })])
  .openapi("SubjectRef", { description: "A user of the tenant by id, or a subject given by its attributes" });

/** Resource attributes policies know; null means "has none" (e.g. unclassified), absent means "not sent". */
export const ResourceAttributesSchema = z
  .strictObject({
    tenantId: Uuid.optional(),
    departmentPath: z.array(Uuid).max(32).nullable().optional(),
    classificationLevel: z.number().int().min(0).max(9).nullable().optional(),
    ownerId: Uuid.nullable().optional(),
  })
  .openapi("ResourceAttributes");

export const ResourceRef = z
  .strictObject({
    type: z.string().regex(RESOURCE_TYPE, "a PascalCase resource type, e.g. Document"),
    attributes: ResourceAttributesSchema.optional(),
  })
  .openapi("ResourceRef");

export const EnvironmentSchema = z
  .strictObject({
    ip: z.union([z.ipv4(), z.ipv6()]).optional(),
    time: z.iso.datetime({ offset: true }).optional(),
    mfa: z.boolean().optional(),
  })
  .openapi("DecisionEnvironment");

const ActionName = z.string().min(1).max(64).regex(ACTION_NAME, "an action name, e.g. read");

const RuleSourceSchema = z
  .union([
    z.object({ kind: z.literal("duty"), role: z.string() }),
    z.object({ kind: z.literal("grant"), grantId: z.string() }),
    z.object({
      kind: z.literal("policy"),
      policyId: z.string(),
      policyName: z.string(),
      version: z.number().int(),
      ruleIndex: z.number().int(),
    }),
  ])
  .nullable()
  .openapi("RuleSource");

export const ExplainedRuleSchema = z
  .object({
    source: RuleSourceSchema,
    effect: z.enum(["allow", "deny"]),
    actions: z.array(z.string()),
    resource: z.string(),
    conditions: z.record(z.string(), z.unknown()).optional(),
    matched: z.boolean(),
    notes: z.array(z.string()).optional(),
  })
  .openapi("ExplainedRule");

const Reason = z.enum(["subject_not_found", "subject_inactive", "other_tenant", "missing_attributes"]);

export const SimulateBody = z
  .strictObject({
    subject: SubjectRef,
    action: ActionName,
    resource: ResourceRef,
    environment: EnvironmentSchema.optional(),
    draft: z.strictObject({ policyId: Uuid, version: z.number().int().min(1) }).optional(),
  })
  .openapi("SimulateRequest");

export const SimulateResponse = z
  .object({
    allowed: z.boolean(),
    reason: Reason.optional(),
    missing: z.array(z.string()).optional(),
    decisive: z.array(ExplainedRuleSchema),
    considered: z.array(ExplainedRuleSchema),
  })
  .openapi("SimulateResponse");

export const DiffBody = z
  .strictObject({
    policyId: Uuid,
    version: z.number().int().min(1),
    sample: z
      .strictObject({
        userIds: z.array(Uuid).min(1).max(500).optional(),
        actions: z.array(ActionName).min(1).max(20).optional(),
        resources: z.array(ResourceRef).min(1).max(200).optional(),
        environment: EnvironmentSchema.optional(),
      })
      .optional(),
  })
  .openapi("PolicyDiffRequest");

export const DiffResponse = z
  .object({
    changes: z.array(
      z.object({
        subject: z.object({ userId: z.string(), username: z.string() }),
        action: z.string(),
        resource: z.object({ type: z.string(), attributes: z.record(z.string(), z.unknown()).optional() }),
        before: z.boolean(),
        after: z.boolean(),
      }),
    ),
    evaluated: z.number().int(),
    truncated: z.boolean(),
    sample: z.object({ users: z.number().int(), actions: z.array(z.string()) }),
  })
  .openapi("PolicyDiffResponse");

// ---- PDP ----

export const MAX_BATCH = 1000;

const Check = z.strictObject({
  subject: SubjectRef,
  action: ActionName,
  resource: ResourceRef,
  environment: EnvironmentSchema.optional(),
});

export const CheckBody = z
  .union([
    Check.extend({ explain: z.boolean().optional() }),
    z.strictObject({ checks: z.array(Check).min(1).max(MAX_BATCH), explain: z.boolean().optional() }),
  ])
  .openapi("AuthzCheckRequest", { description: "One check, or {checks: [...up to 1000]}" });

const CheckResultSchema = z
  .object({
    allowed: z.boolean(),
    reason: Reason.optional(),
    missing: z.array(z.string()).optional(),
    explain: z.object({ decisive: z.array(ExplainedRuleSchema), considered: z.array(ExplainedRuleSchema) }).optional(),
  })
  .openapi("AuthzCheckResult");

export const CheckResponse = z
  .union([CheckResultSchema, z.object({ results: z.array(CheckResultSchema) })])
  .openapi("AuthzCheckResponse");

// ---- API clients ----

export const ApiClientSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    scopes: z.array(z.string()).describe(`What the client may call: ${API_CLIENT_SCOPES.join(", ")}`),
    status: z.enum(["active", "revoked"]),
    createdBy: z.string(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi("ApiClient");

export const DEFAULT_API_CLIENT_SCOPES: ApiClientScope[] = ["authz:check"];

export const CreateApiClientBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    scopes: z
      .array(z.enum(API_CLIENT_SCOPES))
      .min(1)
      .max(API_CLIENT_SCOPES.length)
      .refine((s) => new Set(s).size === s.length, "each scope at most once")
      .default(DEFAULT_API_CLIENT_SCOPES)
      .describe("authz:check: the policy decision point; org:read: the org change feed. Default [authz:check]"),
  })
  .openapi("CreateApiClientRequest");

export const CreatedApiClient = z
  .object({
    client: ApiClientSchema,
    secret: z.string().describe("`<id>.<secret>` for Authorization: Bearer; shown once, never again"),
  })
  .openapi("CreatedApiClient");

export const CLIENT_SORTABLE = ["createdAt", "name", "lastUsedAt"] as const;
export const ApiClientListQuery = listQuery(CLIENT_SORTABLE, "createdAt").extend({
  status: z.enum(["active", "revoked"]).optional(),
});
