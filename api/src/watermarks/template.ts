/**
 * Watermark content (docs/watermarks.md): a template over the viewer's fields, `{name} {phoneLast4}`,
 * one line per `\n`. Unknown placeholders are refused when a policy is saved, not discovered on a
 * screen.
 */
export const TEMPLATE_FIELDS = [
  "name",
  "employeeNo",
  "phoneLast4",
  "department",
  "date",
  "time",
  "ip",
  "text",
] as const;
export type TemplateField = (typeof TEMPLATE_FIELDS)[number];
export type TemplateValues = Partial<Record<TemplateField, string | null>>;

export const MAX_TEMPLATE_LENGTH = 200;
export const MAX_TEMPLATE_LINES = 4;
const PLACEHOLDER = /\{([A-Za-z0-9]*)\}/g;

/** Problems with a template, each in English and Chinese; empty when it is valid. */
export function templateProblems(template: string): { message: string; zh: string }[] {
  const problems: { message: string; zh: string }[] = [];
  if (template.trim() === "") problems.push({ message: "The template is empty.", zh: "水印内容为空。" });
  if (template.length > MAX_TEMPLATE_LENGTH) {
    problems.push({
      message: `The template is longer than ${MAX_TEMPLATE_LENGTH} characters.`,
      zh: `水印内容超过 ${MAX_TEMPLATE_LENGTH} 个字符。`,
    });
  }
  if (template.split("\n").length > MAX_TEMPLATE_LINES) {
    problems.push({ message: `At most ${MAX_TEMPLATE_LINES} lines.`, zh: `最多 ${MAX_TEMPLATE_LINES} 行。` });
  }
  for (const [, field] of template.matchAll(PLACEHOLDER)) {
    if (!(TEMPLATE_FIELDS as readonly string[]).includes(field ?? "")) {
      problems.push({
        message: `Unknown field {${field}}; fields: ${TEMPLATE_FIELDS.map((f) => `{${f}}`).join(" ")}.`,
        zh: `未知字段 {${field}}，可用字段：${TEMPLATE_FIELDS.map((f) => `{${f}}`).join(" ")}。`,
      });
    }
  }
  return problems;
}

/** The template filled in; a field without a value becomes empty, and each line is trimmed. */
export function fillTemplate(template: string, values: TemplateValues): string[] {
  return template
    .split("\n")
    .map((line) => line.replace(PLACEHOLDER, (_, f: string) => values[f as TemplateField] ?? "").trim())
    .filter((line) => line !== "");
}

/** The last four digits of a phone number, or null; the rest never leaves the server. */
export function phoneLast4(phone: string | null | undefined): string | null {
  const digits = (phone ?? "").replace(/\D/g, "");
  return digits.length >= 4 ? digits.slice(-4) : null;
}
