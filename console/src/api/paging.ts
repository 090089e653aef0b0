import { apiRequest } from "./http";

/** One page of a list and the total the server counted. */
export interface Paged<T> {
  rows: T[];
  total: number;
}

/**
 * refine simple-rest paging, as the API reads it: a 1-based page of `pageSize` rows as `_start`/`_end`,
 * an optional sort (`_sort`/`_order`), and filters, empty ones (undefined, null, "") left out.
 */
export function pageQuery(
  page: number,
  pageSize: number,
  opts: { sort?: string; order?: "asc" | "desc"; filters?: object } = {},
): URLSearchParams {
  const query = new URLSearchParams({ _start: String((page - 1) * pageSize), _end: String(page * pageSize) });
  if (opts.sort) {
    query.set("_sort", opts.sort);
    query.set("_order", opts.order ?? "asc");
  }
  for (const [key, value] of Object.entries(opts.filters ?? {})) {
    if (value !== undefined && value !== null && value !== "") query.set(key, String(value));
  }
  return query;
}

/** GETs one page; the total is the X-Total-Count header, or the page's length without one. */
export async function fetchPage<T>(path: string, query: URLSearchParams): Promise<Paged<T>> {
  const r = await apiRequest<T[]>(path, { query });
  const total = Number(r.headers.get("x-total-count"));
  return { rows: r.data, total: Number.isFinite(total) && r.headers.has("x-total-count") ? total : r.data.length };
}

/** The optimistic-concurrency header for a record read at `version` (a stale one answers 409). */
export const ifMatch = (version: number) => ({ "If-Match": `"${version}"` });
