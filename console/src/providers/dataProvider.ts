import type {
  BaseKey,
  BaseRecord,
  CreateParams,
  CrudFilter,
  CrudSort,
  DataProvider,
  DeleteOneParams,
  GetListParams,
  GetOneParams,
  MetaQuery,
  UpdateParams,
} from "@refinedev/core";
import { API_BASE, apiRequest } from "../api/http";

/** The API caps list pages at 200 rows (ARCHITECTURE §5); asking for more would only be cut short. */
export const MAX_PAGE_SIZE = 200;

/** A resource may live at another path than its name, e.g. "audit-events" → "audit/events". */
function pathOf(resource: string, meta: MetaQuery | undefined): string {
  const apiPath = meta?.apiPath;
  return `/${typeof apiPath === "string" ? apiPath : resource}`;
}

function itemPath(resource: string, id: BaseKey, meta: MetaQuery | undefined): string {
  return `${pathOf(resource, meta)}/${encodeURIComponent(String(id))}`;
}

/** refine's list params in the API's simple-rest convention: _start/_end, _sort/_order, q and field filters. */
export function listQuery(
  pagination: { currentPage?: number; pageSize?: number; mode?: string } | undefined,
  sorters: CrudSort[] | undefined,
  filters: CrudFilter[] | undefined,
): URLSearchParams {
  const query = new URLSearchParams();
  if (pagination?.mode !== "off") {
    const pageSize = Math.min(Math.max(pagination?.pageSize ?? 10, 1), MAX_PAGE_SIZE);
    const start = ((pagination?.currentPage ?? 1) - 1) * pageSize;
    query.set("_start", String(start));
    query.set("_end", String(start + pageSize));
  }
  if (sorters && sorters.length > 0) {
    query.set("_sort", sorters.map((s) => s.field).join(","));
    query.set("_order", sorters.map((s) => s.order).join(","));
  }
  for (const filter of filters ?? []) {
    // Only the operators the API understands; anything else is a programming error worth seeing.
    if (!("field" in filter)) throw new Error("Conditional filters are not supported by the API");
    if (filter.value === undefined || filter.value === null || filter.value === "") continue;
    if (filter.field === "q" || filter.operator === "contains") query.set("q", String(filter.value));
    else if (filter.operator === "eq") query.set(filter.field, String(filter.value));
    else if (filter.operator === "in" && Array.isArray(filter.value)) {
      for (const value of filter.value) query.append(filter.field, String(value));
    } else throw new Error(`Filter operator ${filter.operator} is not supported by the API`);
  }
  return query;
}

export const dataProvider: DataProvider = {
  getApiUrl: () => API_BASE,

  getList: async <TData extends BaseRecord = BaseRecord>({
    resource,
    pagination,
    sorters,
    filters,
    meta,
  }: GetListParams) => {
    const query = listQuery(pagination, sorters, filters);
    const { data, headers } = await apiRequest<TData[]>(pathOf(resource, meta), { query });
    const total = Number(headers.get("x-total-count"));
    return { data, total: Number.isFinite(total) && headers.has("x-total-count") ? total : data.length };
  },

  getOne: async <TData extends BaseRecord = BaseRecord>({ resource, id, meta }: GetOneParams) => {
    const { data } = await apiRequest<TData>(itemPath(resource, id, meta));
    return { data };
  },

  create: async <TData extends BaseRecord = BaseRecord, TVariables = unknown>({
    resource,
    variables,
    meta,
  }: CreateParams<TVariables>) => {
    const { data } = await apiRequest<TData>(pathOf(resource, meta), { method: "POST", body: variables });
    return { data };
  },

  update: async <TData extends BaseRecord = BaseRecord, TVariables = unknown>({
    resource,
    id,
    variables,
    meta,
  }: UpdateParams<TVariables>) => {
    const { data } = await apiRequest<TData>(itemPath(resource, id, meta), { method: "PATCH", body: variables });
    return { data };
  },

  deleteOne: async <TData extends BaseRecord = BaseRecord, TVariables = unknown>({
    resource,
    id,
    meta,
  }: DeleteOneParams<TVariables>) => {
    const { data } = await apiRequest<TData>(itemPath(resource, id, meta), { method: "DELETE" });
    return { data };
  },
};
