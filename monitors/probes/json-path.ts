/**
 * A small JSON path for HTTP monitors: `a.b[0].c`, `items[2]["key with dots"]`, an optional leading
 * `$` or `$.`. No wildcards, filters or recursion: a monitor checks one value, and a grammar this
 * small can be validated when the monitor is saved. No JSONPath library is in node_modules, and one
 * is not worth a dependency for this.
 */
export type PathSegment = string | number;

export const JSON_PATH_OPERATORS = ["==", "!=", "<", "<=", ">", ">=", "contains"] as const;
export type JsonPathOperator = (typeof JSON_PATH_OPERATORS)[number];
export type JsonScalar = string | number | boolean | null;

/** The segments of `path`, or an English reason it is not a valid path. */
export function parseJsonPath(path: string): { segments: PathSegment[] } | { error: string } {
  let rest = path.trim();
  if (rest.startsWith("$")) rest = rest.slice(1);
  if (rest.startsWith(".")) rest = rest.slice(1);
  const segments: PathSegment[] = [];
  let expectName = true;
  while (rest.length > 0) {
    if (rest.startsWith("[")) {
      const index = /^\[(\d{1,9})\]/.exec(rest);
      const quoted = /^\[\s*"((?:[^"\\]|\\.)*)"\s*\]/.exec(rest) ?? /^\[\s*'((?:[^'\\]|\\.)*)'\s*\]/.exec(rest);
      if (index) {
        segments.push(Number(index[1]));
        rest = rest.slice(index[0].length);
      } else if (quoted) {
        segments.push((quoted[1] as string).replace(/\\(.)/g, "$1"));
        rest = rest.slice(quoted[0].length);
      } else {
        return { error: `Bad bracket at "${rest.slice(0, 20)}": use [0] or ["name"].` };
      }
      expectName = false;
    } else if (rest.startsWith(".")) {
      if (expectName) return { error: "Empty segment (two dots in a row or a leading dot)." };
      rest = rest.slice(1);
      expectName = true;
    } else {
      if (!expectName) return { error: `Expected "." or "[" before "${rest.slice(0, 20)}".` };
      const name = /^[^.[\]]+/.exec(rest);
      if (!name) return { error: `Bad segment at "${rest.slice(0, 20)}".` };
      segments.push(name[0]);
      rest = rest.slice(name[0].length);
      expectName = false;
    }
  }
  if (expectName && segments.length > 0) return { error: "The path ends with a dot." };
  return { segments };
}

/** The value at `segments`, or `{ found: false }` when some step does not exist. */
export function evaluateJsonPath(
  document: unknown,
  segments: readonly PathSegment[],
): { found: boolean; value?: unknown } {
  let current: unknown = document;
  for (const segment of segments) {
    if (typeof segment === "number") {
      if (!Array.isArray(current) || segment >= current.length) return { found: false };
      current = current[segment];
    } else {
      if (current === null || typeof current !== "object" || Array.isArray(current)) return { found: false };
      if (!Object.prototype.hasOwnProperty.call(current, segment)) return { found: false };
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return { found: true, value: current };
}

/**
 * Equality across JSON's types as an operator expects it: the same type compares strictly; a
 * string and a number or boolean compare by text ("200" == 200), since APIs often quote numbers.
 */
function same(actual: unknown, expected: JsonScalar): boolean {
  if (actual === expected) return true;
  if (actual === null || expected === null) return false;
  if (typeof actual === "object") return false;
  return String(actual) === String(expected);
}

export function compareJsonValue(actual: unknown, op: JsonPathOperator, expected: JsonScalar): boolean {
  switch (op) {
    case "==":
      return same(actual, expected);
    case "!=":
      return !same(actual, expected);
    case "contains":
      if (typeof actual === "string") return expected !== null && actual.includes(String(expected));
      if (Array.isArray(actual)) return actual.some((item) => same(item, expected));
      return false;
    default: {
      // Ordering needs two numbers; a missing or non-numeric side fails the condition.
      if (typeof actual === "boolean" || typeof expected === "boolean" || actual === null || expected === null) {
        return false;
      }
      if (typeof actual === "object" || (typeof actual === "string" && actual.trim() === "")) return false;
      if (typeof expected === "string" && expected.trim() === "") return false;
      const a = Number(actual);
      const b = Number(expected);
      if (Number.isNaN(a) || Number.isNaN(b)) return false;
      return op === "<" ? a < b : op === "<=" ? a <= b : op === ">" ? a > b : a >= b;
    }
  }
}
