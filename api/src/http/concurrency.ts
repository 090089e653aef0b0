import type { Request, Response } from "express";
import { Conflict, Invalid, PreconditionRequired } from "./errors";

/**
 * Optimistic concurrency for versioned resources: GET sends the version as a strong ETag, changes
 * send it back in If-Match, and a change made against an older version is refused with 409, so two
 * admins editing the same thing cannot silently overwrite each other.
 */
export function etagOf(version: number): string {
  return `"${version}"`;
}

export function setEtag(res: Response, version: number): void {
  res.setHeader("etag", etagOf(version));
}

/** The version an If-Match header names: `"3"`, `W/"3"` or a bare `3`; undefined when absent. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === "") return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (!match) {
    throw new Invalid("IF_MATCH_INVALID", 'If-Match must be one ETag such as "3".', 'If-Match 格式错误，应形如 "3"。');
  }
  return Number(match[1]);
}

/** The If-Match version of a change that must name one (428 without it). */
export function requireIfMatch(header: string | undefined): number {
  const version = parseIfMatch(header);
  if (version === undefined) {
    throw new PreconditionRequired(
      "IF_MATCH_REQUIRED",
      'Send If-Match with the ETag you read (e.g. If-Match: "3").',
      "请在 If-Match 请求头中携带读取时得到的 ETag。",
    );
  }
  return version;
}

export const ifMatchVersion = (req: Request): number => requireIfMatch(req.get("if-match"));
export const optionalIfMatch = (req: Request): number | undefined => parseIfMatch(req.get("if-match"));

/** Refuses a change made against another version than the stored one. */
export function assertVersion(kind: string, stored: number, expected: number | undefined): void {
  if (expected !== undefined && stored !== expected) {
    throw new Conflict(
      "VERSION_CONFLICT",
      `The ${kind} was changed by someone else (version ${stored}, you sent ${expected}); reload and try again.`,
      "该对象已被他人修改，请刷新后重试。",
    );
  }
}
