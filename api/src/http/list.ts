import type { Response } from "express";
import { z } from "./zod";

/** Largest page any list returns (ARCHITECTURE §5). */
export const MAX_PAGE_SIZE = 200;
export const DEFAULT_PAGE_SIZE = 20;
export const TOTAL_COUNT_HEADER = "x-total-count";

/**
 * refine simple-rest list parameters: `_start` (inclusive) and `_end` (exclusive) offsets,
 * `_sort` over the fields a list allows, `_order` asc|desc.
 */
export function listQuery<const S extends readonly [string, ...string[]]>(sortable: S, defaultSort: S[number]) {
  return z
    .strictObject({
      _start: z.coerce.number().int().min(0).max(10_000_000).default(0),
      _end: z.coerce
        .number()
        .int()
        .min(1)
        .max(10_000_000 + MAX_PAGE_SIZE)
        .optional(),
      _sort: z.enum(sortable).default(defaultSort),
      _order: z
        .enum(["asc", "desc", "ASC", "DESC"])
        .default("desc")
        .transform((o) => o.toLowerCase() as "asc" | "desc"),
    })
    .refine((q) => q._end === undefined || q._end > q._start, {
      message: "_end must be greater than _start",
      path: ["_end"],
    });
}

export interface Page<S extends string = string> {
  offset: number;
  limit: number;
  sort: S;
  order: "asc" | "desc";
}

/** The page a parsed list query asks for, never more than MAX_PAGE_SIZE rows. */
export function pageOf<S extends string>(q: {
  _start: number;
  _end?: number | undefined;
  _sort: S;
  _order: "asc" | "desc";
}): Page<S> {
  const end = q._end ?? q._start + DEFAULT_PAGE_SIZE;
  return { offset: q._start, limit: Math.min(MAX_PAGE_SIZE, end - q._start), sort: q._sort, order: q._order };
}

export function setTotal(res: Response, total: number): void {
  res.setHeader(TOTAL_COUNT_HEADER, String(total));
}
