import { z } from "zod";
import { HH_MM, isTimeZone, parseCidr, WEEKDAYS } from "./environment";
import { ACTIONS, ROLES, SUBJECTS } from "./subjects";

/**
 * The document a secadmin authors (one version of a policy): a list of allow/deny rules over
 * actions on one resource type, each with conditions ANDed together. Several rules are ORed.
 *
 *   { "rules": [ { "effect": "allow", "actions": ["read"], "resource": "Document",
 *       "conditions": [ { "attribute": "resource.classificationLevel", "operator": "lte",
 *                         "value": { "ref": "subject.clearanceLevel" } } ] } ] }
 *
 * The zod schema checks the shape; validatePolicyDocument checks the meaning (known attributes,
 * operators that fit them, well-formed values, CIDRs, time zones) and the 三员 safety rules, and
 * returns every problem with its path inside the document.
 */
export const OPERATORS = [
  "eq",
  "ne",
  "in",
  "nin",
  "lt",
  "lte",
  "gt",
  "gte",
  "contains",
  "containsAny",
  "inCidr",
  "notInCidr",
  "within",
] as const;
export type Operator = (typeof OPERATORS)[number];

export const MAX_RULES = 100;
export const MAX_CONDITIONS = 20;
export const MAX_LIST = 1000;

const ConditionSchema = z.strictObject({
  attribute: z.string().min(1).max(100),
  operator: z.enum(OPERATORS),
  /** Checked against the attribute and operator by validatePolicyDocument. */
  value: z.unknown().refine((v) => v !== undefined, "value is required"),
});

const RuleSchema = z.strictObject({
  effect: z.enum(["allow", "deny"]),
  actions: z.array(z.string().min(1).max(64)).min(1).max(20),
  resource: z.string().min(1).max(64),
  conditions: z.array(ConditionSchema).max(MAX_CONDITIONS).default([]),
  description: z.string().max(500).optional(),
});

export const PolicyDocumentSchema = z.strictObject({
  rules: z.array(RuleSchema).min(1).max(MAX_RULES),
});

export type PolicyCondition = z.infer<typeof ConditionSchema>;
export type PolicyRule = z.infer<typeof RuleSchema>;
export type PolicyDocument = z.infer<typeof PolicyDocumentSchema>;

export interface DocumentIssue {
  /** Path inside the document, e.g. ["rules", 0, "conditions", 1, "value", 2]. */
  path: (string | number)[];
  message: string;
  zh: string;
}

// ---------------------------------------------------------------------------------------------
// The attribute vocabulary

export type AttributeKind = "uuid" | "uuidSet" | "role" | "level" | "custom" | "ip" | "time" | "boolean";
export type AttributeScope = "subject" | "resource" | "environment";

const FIXED_ATTRIBUTES: Record<string, AttributeKind> = {
  "subject.id": "uuid",
  "subject.tenantId": "uuid",
  "subject.role": "role",
  "subject.departmentPath": "uuidSet",
  "subject.post": "uuidSet",
  "subject.clearanceLevel": "level",
  "resource.tenantId": "uuid",
  "resource.departmentPath": "uuidSet",
  "resource.classificationLevel": "level",
  "resource.ownerId": "uuid",
  "environment.ip": "ip",
  "environment.time": "time",
  "environment.mfa": "boolean",
};
export const KNOWN_ATTRIBUTES = [...Object.keys(FIXED_ATTRIBUTES), "subject.attributes.<name>"];
const CUSTOM_ATTRIBUTE = /^subject\.attributes\.([A-Za-z][A-Za-z0-9_]{0,63})$/;

export interface AttributeInfo {
  scope: AttributeScope;
  kind: AttributeKind;
  /** The field name in the subject/resource/environment object, e.g. "clearanceLevel", "attributes.level". */
  field: string;
}

export function attributeInfo(attribute: string): AttributeInfo | null {
  const fixed = Object.hasOwn(FIXED_ATTRIBUTES, attribute) ? FIXED_ATTRIBUTES[attribute] : undefined;
  const [scope, ...rest] = attribute.split(".");
  if (fixed) return { scope: scope as AttributeScope, kind: fixed, field: rest.join(".") };
  if (CUSTOM_ATTRIBUTE.test(attribute)) return { scope: "subject", kind: "custom", field: rest.join(".") };
  return null;
}

const OPERATORS_BY_KIND: Record<AttributeKind, readonly Operator[]> = {
  uuid: ["eq", "ne", "in", "nin"],
  uuidSet: ["contains", "containsAny"],
  role: ["eq", "ne", "in", "nin"],
  level: ["eq", "ne", "in", "nin", "lt", "lte", "gt", "gte"],
  custom: ["eq", "ne", "in", "nin", "lt", "lte", "gt", "gte"],
  ip: ["inCidr", "notInCidr"],
  time: ["within"],
  boolean: ["eq"],
};

export const SUBJECT_ROLES = [...ROLES, "user"] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Business resource types: PascalCase names, e.g. "Document", "MeetingRoom". */
export const RESOURCE_TYPE = /^[A-Z][A-Za-z0-9]{0,63}$/;
/** Business actions: lower camel case with optional separators, e.g. "read", "download", "doc.approve". */
export const ACTION_NAME = /^[a-z][A-Za-z0-9]*(?:[._:-][A-Za-z0-9]+)*$/;
/** CASL's wildcards: never allowed in a policy, so no rule can mean "every action" or "every subject". */
const RESERVED = new Set(["manage", "all"]);
const BUILT_IN = new Set<string>(SUBJECTS);
const BUILT_IN_ACTIONS = new Set<string>(ACTIONS);

export const isBuiltInSubject = (type: string) => BUILT_IN.has(type);

/** Validates meaning and safety; an empty list means the document may be saved. */
export function validatePolicyDocument(doc: PolicyDocument): DocumentIssue[] {
  const issues: DocumentIssue[] = [];
  const issue = (path: (string | number)[], message: string, zh: string) => issues.push({ path, message, zh });
  doc.rules.forEach((rule, r) => {
    const at = (...p: (string | number)[]) => ["rules", r, ...p];
    const builtIn = BUILT_IN.has(rule.resource);
    if (RESERVED.has(rule.resource) || (!builtIn && !RESOURCE_TYPE.test(rule.resource))) {
      issue(
        at("resource"),
        `"${rule.resource}" is not a resource type: use a PascalCase name such as "Document".`,
        `“${rule.resource}”不是合法的资源类型，应为大驼峰名称，如 Document。`,
      );
    }
    if (builtIn && rule.effect === "allow") {
      issue(
        at("effect"),
        `${rule.resource} is a built-in admin subject: policies may only deny on it (the 三员 duty matrix grants it).`,
        `${rule.resource} 为系统内置管理对象，策略只能对其作出禁止（授权由三员职责矩阵决定）。`,
      );
    }
    rule.actions.forEach((action, a) => {
      if (RESERVED.has(action) || !ACTION_NAME.test(action)) {
        issue(at("actions", a), `"${action}" is not a valid action name.`, `“${action}”不是合法的操作名称。`);
      } else if (builtIn && !BUILT_IN_ACTIONS.has(action)) {
        issue(
          at("actions", a),
          `${rule.resource} has no action "${action}"; known: ${ACTIONS.join(", ")}.`,
          `${rule.resource} 没有操作“${action}”，可用：${ACTIONS.join("、")}。`,
        );
      }
    });
    if (new Set(rule.actions).size !== rule.actions.length) {
      issue(at("actions"), "An action is listed twice.", "操作重复。");
    }
    const seen = new Set<string>();
    rule.conditions.forEach((cond, c) => {
      const cat = (...p: (string | number)[]) => at("conditions", c, ...p);
      const info = attributeInfo(cond.attribute);
      if (!info) {
        issue(
          cat("attribute"),
          `Unknown attribute "${cond.attribute}". Known: ${KNOWN_ATTRIBUTES.join(", ")}.`,
          `未知属性“${cond.attribute}”。`,
        );
        return;
      }
      const key = `${cond.attribute} ${cond.operator}`;
      if (seen.has(key)) {
        issue(
          cat("operator"),
          `"${cond.attribute}" already has a "${cond.operator}" condition in this rule.`,
          `本规则中“${cond.attribute}”的“${cond.operator}”条件重复。`,
        );
      }
      seen.add(key);
      if (!OPERATORS_BY_KIND[info.kind].includes(cond.operator)) {
        issue(
          cat("operator"),
          `Operator "${cond.operator}" does not apply to ${cond.attribute}; use one of ${OPERATORS_BY_KIND[info.kind].join(", ")}.`,
          `操作符“${cond.operator}”不适用于 ${cond.attribute}。`,
        );
        return;
      }
      if (info.scope === "resource" && builtIn) {
        issue(
          cat("attribute"),
          `A rule on the built-in subject ${rule.resource} may be conditioned on who and when, not on resource attributes.`,
          `针对内置管理对象的规则只能以主体和环境为条件，不能以资源属性为条件。`,
        );
        return;
      }
      checkValue(info, cond, cat("value"), issue);
    });
  });
  return issues;
}

type IssueFn = (path: (string | number)[], message: string, zh: string) => void;

function checkValue(info: AttributeInfo, cond: PolicyCondition, at: (string | number)[], issue: IssueFn): void {
  const { value, operator } = cond;
  if (isRef(value)) {
    checkRef(info, operator, value.ref, at, issue);
    return;
  }
  const bad = (expected: string, zh: string, path = at) =>
    issue(path, `${cond.attribute} ${operator} needs ${expected}.`, `${cond.attribute} ${operator} 的取值应为${zh}。`);
  const listOf = (check: (v: unknown) => boolean, expected: string, zh: string, max = MAX_LIST) => {
    if (!Array.isArray(value) || value.length === 0 || value.length > max) {
      bad(`a list of 1 to ${max} ${expected}`, `1 至 ${max} 个${zh}的列表`);
      return;
    }
    value.forEach((v, i) => {
      if (!check(v)) bad(expected, zh, [...at, i]);
    });
  };
  const many = operator === "in" || operator === "nin" || operator === "containsAny";
  switch (info.kind) {
    case "uuid":
    case "uuidSet":
      if (many) listOf(isUuid, "UUIDs", "UUID");
      else if (!isUuid(value)) bad("a UUID", "UUID");
      return;
    case "role":
      if (many) listOf(isRole, `roles (${SUBJECT_ROLES.join(", ")})`, "角色");
      else if (!isRole(value)) bad(`a role (${SUBJECT_ROLES.join(", ")})`, "角色");
      return;
    case "level":
      if (many) listOf(isLevel, "levels 0–9", "0–9 的级别");
      else if (!isLevel(value)) bad("an integer level 0–9", "0–9 的整数级别");
      return;
    case "custom":
      if (many) listOf(isScalar, "strings, numbers or booleans", "字符串、数字或布尔值");
      else if (["lt", "lte", "gt", "gte"].includes(operator)) {
        if (typeof value !== "number" || !Number.isFinite(value)) bad("a number", "数字");
      } else if (!isScalar(value)) bad("a string, number or boolean", "字符串、数字或布尔值");
      return;
    case "boolean":
      if (typeof value !== "boolean") bad("true or false", "true 或 false");
      return;
    case "ip":
      if (!Array.isArray(value) || value.length === 0 || value.length > 200) {
        bad("a list of 1 to 200 CIDRs", "1 至 200 个 CIDR 的列表");
        return;
      }
      value.forEach((v, i) => {
        const parsed = typeof v === "string" && v.length <= 64 ? parseCidr(v) : "not a string";
        if (typeof parsed === "string") {
          issue([...at, i], `Invalid CIDR ${JSON.stringify(v)}: ${parsed}.`, `无效的 CIDR ${JSON.stringify(v)}。`);
        }
      });
      return;
    case "time":
      checkTimeWindow(value, at, issue);
      return;
  }
}

function checkTimeWindow(value: unknown, at: (string | number)[], issue: IssueFn): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    issue(
      at,
      'A time window is {"from": "HH:MM", "to": "HH:MM", "timeZone": "Asia/Shanghai", "days"?: [...]}.',
      "时间窗口格式错误。",
    );
    return;
  }
  const w = value as Record<string, unknown>;
  for (const key of Object.keys(w)) {
    if (!["from", "to", "timeZone", "days"].includes(key))
      issue([...at, key], `Unknown field "${key}".`, `不允许的字段：${key}`);
  }
  for (const key of ["from", "to"] as const) {
    const t = w[key];
    if (typeof t !== "string" || !HH_MM.test(t) || (key === "from" && t === "24:00")) {
      issue(
        [...at, key],
        `${key} must be a time "HH:MM" (00:00–23:59${key === "to" ? " or 24:00" : ""}).`,
        "时间格式应为 HH:MM。",
      );
    }
  }
  if (w.from !== undefined && w.from === w.to)
    issue([...at, "to"], "The window is empty: from equals to.", "时间窗口为空。");
  if (typeof w.timeZone !== "string" || w.timeZone.length > 64 || !isTimeZone(w.timeZone)) {
    issue(
      [...at, "timeZone"],
      `Unknown time zone ${JSON.stringify(w.timeZone)}; use an IANA name such as "Asia/Shanghai".`,
      "未知时区，请使用 IANA 名称，如 Asia/Shanghai。",
    );
  }
  if (w.days !== undefined) {
    const days = w.days;
    if (
      !Array.isArray(days) ||
      days.length === 0 ||
      days.length > 7 ||
      !days.every((d) => (WEEKDAYS as readonly unknown[]).includes(d))
    ) {
      issue([...at, "days"], `days is a list of ${WEEKDAYS.join(", ")}.`, `days 应为 ${WEEKDAYS.join("、")} 的列表。`);
    }
  }
}

const SET_REFS = new Set(["subject.departmentPath", "subject.post"]);

function checkRef(info: AttributeInfo, operator: Operator, ref: string, at: (string | number)[], issue: IssueFn): void {
  const refInfo = attributeInfo(ref);
  if (info.scope !== "resource") {
    issue(at, 'A reference ({"ref": ...}) is only allowed in a resource condition.', "引用仅可用于资源条件。");
    return;
  }
  if (!refInfo || refInfo.scope !== "subject") {
    issue([...at, "ref"], `Unknown subject attribute "${ref}" in the reference.`, `引用了未知的主体属性“${ref}”。`);
    return;
  }
  const many = operator === "in" || operator === "nin" || operator === "containsAny";
  const fits = many
    ? SET_REFS.has(ref) && (info.kind === "uuid" || info.kind === "uuidSet")
    : info.kind === "level"
      ? refInfo.kind === "level" || refInfo.kind === "custom"
      : (info.kind === "uuid" || info.kind === "uuidSet") && refInfo.kind === "uuid";
  if (!fits) {
    issue(
      [...at, "ref"],
      `${ref} cannot be compared with a resource attribute of this kind using "${operator}".`,
      `${ref} 不能以“${operator}”与该资源属性比较。`,
    );
  }
}

export function isRef(value: unknown): value is { ref: string } {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    typeof (value as { ref?: unknown }).ref === "string"
  );
}
const isUuid = (v: unknown): v is string => typeof v === "string" && UUID.test(v);
const isRole = (v: unknown) => typeof v === "string" && (SUBJECT_ROLES as readonly string[]).includes(v);
const isLevel = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 9;
const isScalar = (v: unknown) =>
  (typeof v === "string" && v.length <= 200) || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v));
