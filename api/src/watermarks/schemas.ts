import { listQuery } from "../http/list";
import { z } from "../http/zod";
import { CONTEXTS } from "./resolve";
import { MAX_TEMPLATE_LENGTH } from "./template";

/**
 * Watermark policies on the wire (docs/watermarks.md). The bounds match the CHECK constraints of
 * migrations/0016_watermarks.sql: change both together.
 */
const Uuid = z.uuid();
const Name = z.string().trim().min(1).max(100);
const Description = z.string().max(1000);
const AppId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, "letters, digits and . _ : - (at most 64)");
const Context = z.enum(CONTEXTS);
const Instant = z.iso.datetime({ offset: true }).describe("ISO 8601");

// The template's fields, the period and the departments are checked by the service (service.ts
// policyProblems), which has a Chinese message for each.
const Template = z
  .string()
  .max(MAX_TEMPLATE_LENGTH)
  .describe("Text over {name} {employeeNo} {phoneLast4} {department} {date} {time} {ip} {text}; one line per \\n");

export const StyleSchema = z
  .strictObject({
    fontSize: z.number().int().min(8).max(72),
    color: z.string().regex(/^#[0-9A-Fa-f]{6}$/, "a colour as #RRGGBB"),
    opacity: z.number().gt(0).max(1).describe("0–1; an invisible watermark is drawn fainter regardless"),
    rotate: z.number().int().min(-90).max(90).describe("Degrees; negative is anticlockwise"),
    gapX: z.number().int().min(0).max(1000).describe("Horizontal space between repeats (density)"),
    gapY: z.number().int().min(0).max(1000).describe("Vertical space between repeats (density)"),
    visible: z.boolean().describe("false: drawn at an opacity the eye does not notice"),
  })
  .openapi("WatermarkStyle");

export const ScopeSchema = z
  .strictObject({
    departments: z.array(Uuid).max(100).default([]).describe("Department ids, each with its subtree; empty: all"),
    apps: z.array(AppId).max(100).default([]).describe("Business app ids; empty: all"),
    contexts: z.array(Context).max(CONTEXTS.length).default([]).describe("Where it is shown; empty: everywhere"),
  })
  .openapi("WatermarkScope");

const PolicyFields = {
  name: Name,
  description: Description,
  enabled: z.boolean(),
  priority: z.number().int().min(-1000).max(1000).describe("Higher wins"),
  scope: ScopeSchema,
  validFrom: Instant.nullable(),
  validTo: Instant.nullable(),
  template: Template,
  customText: z.string().max(100).describe("The value of {text}"),
  style: StyleSchema,
};

export const CreateWatermarkBody = z
  .strictObject({
    ...PolicyFields,
    description: Description.default(""),
    enabled: z.boolean().default(true),
    priority: PolicyFields.priority.default(0),
    scope: ScopeSchema.default({ departments: [], apps: [], contexts: [] }),
    validFrom: Instant.nullable().default(null),
    validTo: Instant.nullable().default(null),
    customText: PolicyFields.customText.default(""),
  })
  .openapi("CreateWatermarkPolicyRequest");
export type CreateWatermarkBody = z.output<typeof CreateWatermarkBody>;

/** Any subset of the fields; the scope and the style are replaced whole when given. */
export const UpdateWatermarkBody = z
  .strictObject(PolicyFields)
  .partial()
  .refine((b) => Object.keys(b).length > 0, { message: "nothing to change" })
  .openapi("UpdateWatermarkPolicyRequest");
export type UpdateWatermarkBody = z.output<typeof UpdateWatermarkBody>;

export const WatermarkPolicySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    enabled: z.boolean(),
    priority: z.number().int(),
    scope: z.object({ departments: z.array(z.string()), apps: z.array(z.string()), contexts: z.array(Context) }),
    validFrom: z.string().nullable(),
    validTo: z.string().nullable(),
    template: z.string(),
    customText: z.string(),
    style: StyleSchema,
    version: z.number().int().describe("Optimistic-concurrency token (ETag)"),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
    updatedBy: z.string().nullable(),
    updatedAt: z.string(),
  })
  .openapi("WatermarkPolicy");

export const WATERMARK_SORTABLE = ["priority", "name", "updatedAt", "createdAt"] as const;
export const WatermarkListQuery = listQuery(WATERMARK_SORTABLE, "priority").extend({
  q: z.string().trim().max(100).optional().describe("Part of the name"),
  enabled: z.enum(["true", "false"]).optional(),
  context: Context.optional().describe("Policies shown in this context (or in every context)"),
  departmentId: Uuid.optional().describe("Policies naming this department"),
  appId: AppId.optional().describe("Policies naming this app"),
});
export const IdParams = z.strictObject({ id: Uuid });

// ---- resolution: effective watermark and tester ----

const Ip = z.union([z.ipv4(), z.ipv6()]);

export const EffectiveQuery = z.strictObject({
  userId: Uuid,
  appId: AppId.optional(),
  context: Context.optional(),
  ip: Ip.optional().describe("The viewer's address for {ip}; by default the caller's"),
  format: z.enum(["json", "svg"]).default("json").describe("svg: the tile itself (image/svg+xml)"),
});

const PolicyRef = z.object({ id: z.string(), name: z.string(), priority: z.number().int() });

export const EffectiveResponse = z
  .object({
    policy: PolicyRef.nullable().describe("null: no policy applies, nothing to draw"),
    lines: z.array(z.string()),
    style: StyleSchema.nullable(),
    traceCode: z.string().describe("The visible 20-character trace code (user and time), drawn on the tile"),
    textMark: z.string().describe("The same trace as zero-width characters, to embed in copied/exported text"),
    svg: z.string().nullable(),
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
    etag: z.string(),
  })
  .openapi("EffectiveWatermark");

export const TestBody = z
  .strictObject({
    userId: Uuid,
    appId: AppId.optional(),
    context: Context.optional(),
    at: Instant.optional().describe("Resolve as at this time; default now"),
  })
  .openapi("WatermarkTestRequest");

export const TestResponse = z
  .object({
    chosen: PolicyRef.nullable(),
    lines: z.array(z.string()),
    candidates: z
      .array(
        PolicyRef.extend({
          rank: z.number().int().describe("1 is the chosen policy"),
          dimensions: z.number().int().describe("Scope dimensions set (departments, apps, contexts)"),
          depth: z.number().int().describe("Depth of the deepest matched department; 0 without departments"),
          updatedAt: z.string(),
          reason: z.string().describe("Why it ranks below the one before it (or why it was chosen)"),
        }),
      )
      .describe("The policies that match, best first"),
    excluded: z
      .array(
        PolicyRef.extend({ reason: z.enum(["disabled", "not-yet-valid", "expired", "department", "app", "context"]) }),
      )
      .describe("The policies that do not match, and the first reason"),
    rule: z.array(z.string()).describe("The order in which ties are broken"),
  })
  .openapi("WatermarkTestResult");

export const TraceBody = z
  .strictObject({
    text: z.string().max(100_000).optional().describe("A leaked text, as pasted"),
    code: z.string().max(64).optional().describe("A trace code read off a screenshot"),
  })
  .refine((b) => b.text !== undefined || b.code !== undefined, { message: "Send text or code." })
  .openapi("WatermarkTraceRequest");

export const TraceResponse = z
  .object({
    traces: z.array(
      z.object({
        source: z.enum(["text", "code"]),
        time: z.string().describe("The minute the mark was issued (UTC)"),
        userId: z.string().nullable().describe("null: no account of this tenant has this tag"),
        username: z.string().nullable(),
        displayName: z.string().nullable(),
      }),
    ),
  })
  .openapi("WatermarkTraceResult");

export const MarkBody = z
  .strictObject({
    userId: Uuid,
    text: z.string().min(1).max(100_000),
    every: z
      .number()
      .int()
      .min(8)
      .max(10_000)
      .default(24)
      .describe("A frame (97 invisible characters) after every this many visible characters"),
  })
  .openapi("WatermarkMarkRequest");
export const MarkResponse = z
  .object({ text: z.string().describe("The text with the invisible trace embedded"), traceCode: z.string() })
  .openapi("WatermarkMarkResult");
