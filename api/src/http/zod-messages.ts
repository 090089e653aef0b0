import type { z } from "zod";
import type { FieldError } from "./errors";

/** Chinese messages for zod issues, so validation errors read naturally in the zh-CN console. */
function zhFor(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return isMissing(issue) ? "必填字段缺失" : `类型错误，应为 ${issue.expected}`;
    case "too_small":
      return `长度或数值过小（最小 ${String(issue.minimum)}）`;
    case "too_big":
      return `长度或数值过大（最大 ${String(issue.maximum)}）`;
    case "unrecognized_keys":
      return `不允许的字段：${issue.keys.join(", ")}`;
    case "invalid_format":
      return "格式不正确";
    case "invalid_value":
      return "取值不在允许范围内";
    default:
      return "取值无效";
  }
}

/**
 * Zod 4 puts the offending value on an issue only when parsing with `reportInput` (kept off: values may
 * be passwords); without it, its own message says what it received.
 */
function isMissing(issue: z.core.$ZodIssueInvalidType): boolean {
  return "input" in issue ? issue.input === undefined : /received undefined$/.test(issue.message);
}

export function fieldErrors(error: z.ZodError, prefix: string): FieldError[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].join("."),
    message: issue.message,
    zh: zhFor(issue),
  }));
}
