import { apiRequest } from "../../api/http";
import { MAX_PAGE_SIZE } from "../../providers/dataProvider";

/** Wire shapes of the organisation API (docs/api.md, "Organisation"); times are ISO 8601 UTC. */

export type TenantStatus = "active" | "disabled";
export interface Tenant {
  id: string;
  code: string;
  name: string;
  status: TenantStatus;
  /** The platform tenant, whose sysadmin manages the other tenants. */
  platform: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface TenantAdminPassword {
  role: string;
  username: string;
  oneTimePassword: string;
}

export const DIMENSION_KINDS = ["administrative", "party", "project", "virtual", "other"] as const;
export type DimensionKind = (typeof DIMENSION_KINDS)[number];
export interface Dimension {
  id: string;
  code: string;
  name: string;
  kind: DimensionKind;
  sortOrder: number;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export type DepartmentStatus = "active" | "disabled" | "merged";
export interface Department {
  id: string;
  dimensionId: string;
  parentId: string | null;
  /** Ancestor ids from the root down to and including this department. */
  path: string[];
  name: string;
  code: string | null;
  sortOrder: number;
  status: DepartmentStatus;
  mergedInto: string | null;
  version: number;
  childCount: number;
  memberCount: number;
  createdAt: string;
  updatedAt: string;
}
export interface DepartmentNode extends Department {
  children?: DepartmentNode[];
}

export interface Post {
  id: string;
  code: string;
  name: string;
  sortOrder: number;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface Membership {
  departmentId: string;
  departmentName: string;
  dimensionId: string;
  isPrimary: boolean;
  postId: string | null;
  postName: string | null;
  title: string | null;
  sortOrder: number;
}
export interface OrgUser {
  id: string;
  username: string;
  displayName: string;
  employeeNo: string | null;
  phone: string | null;
  email: string | null;
  status: "active" | "disabled" | "deleted";
  locked: boolean;
  role: string | null;
  memberships: Membership[];
  version: number;
}

/** The optimistic-concurrency header for a record read at `version` (a stale one answers 409). */
export function ifMatch(version: number | undefined): Record<string, string> {
  return version === undefined ? {} : { "If-Match": `"${version}"` };
}

function query(params: Record<string, string | number | boolean | null | undefined>): URLSearchParams {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  return search;
}

/**
 * Every row of a list endpoint, a page of 200 at a time (the API's cap), up to `limit` rows so a huge
 * list cannot freeze the page; the caller learns the real total to say that more exist.
 */
export async function listAll<T>(
  path: string,
  params: Record<string, string | number | boolean | null | undefined>,
  limit = 2_000,
): Promise<{ rows: T[]; total: number }> {
  const rows: T[] = [];
  let total = Number.POSITIVE_INFINITY;
  while (rows.length < Math.min(total, limit)) {
    const start = rows.length;
    const { data, headers } = await apiRequest<T[]>(path, {
      query: query({ ...params, _start: start, _end: start + MAX_PAGE_SIZE }),
    });
    const header = Number(headers.get("x-total-count"));
    total = headers.has("x-total-count") && Number.isFinite(header) ? header : start + data.length;
    rows.push(...data);
    if (data.length === 0) break;
  }
  return { rows, total };
}

export const listDimensions = () =>
  listAll<Dimension>("/dimensions", { _sort: "sortOrder", _order: "asc" }, 200).then((r) => r.rows);

/**
 * The children of one department, in their sibling order, through the tree endpoint (depth 2 below it):
 * unlike the flat list it leaves out merged departments, which belong to history, not to the tree.
 */
export async function listChildren(dimensionId: string, parentId: string): Promise<Department[]> {
  const [node] = await loadTree(dimensionId, 2, parentId);
  return (node?.children ?? []).map(({ children: _children, ...department }) => department);
}

/** The first levels of a dimension's tree in one call, so the page opens without a request per node. */
export async function loadTree(dimensionId: string, depth = 2, rootId?: string): Promise<DepartmentNode[]> {
  const { data } = await apiRequest<DepartmentNode[]>("/departments/tree", {
    query: query({ dimensionId, depth, rootId }),
  });
  return data;
}

export async function searchDepartments(dimensionId: string, q: string): Promise<Department[]> {
  const { data } = await apiRequest<Department[]>("/departments", {
    query: query({ dimensionId, q, _start: 0, _end: 50 }),
  });
  return data;
}

export async function getDepartment(id: string): Promise<Department> {
  const { data } = await apiRequest<Department>(`/departments/${encodeURIComponent(id)}`);
  return data;
}

const dept = (id: string, suffix = "") => `/departments/${encodeURIComponent(id)}${suffix}`;

export const departmentOps = {
  create: (body: { dimensionId: string; parentId: string | null; name: string; code?: string }) =>
    apiRequest<Department>("/departments", { method: "POST", body }).then((r) => r.data),
  rename: (d: Department, body: { name: string; code?: string | null }) =>
    apiRequest<Department>(dept(d.id), { method: "PATCH", body, headers: ifMatch(d.version) }).then((r) => r.data),
  move: (d: Department, parentId: string | null, position?: number) =>
    apiRequest<Department>(dept(d.id, "/move"), {
      method: "POST",
      body: position === undefined ? { parentId } : { parentId, position },
      headers: ifMatch(d.version),
    }).then((r) => r.data),
  reorder: (dimensionId: string, parentId: string | null, orderedIds: string[]) =>
    apiRequest<unknown>("/departments/reorder", { method: "POST", body: { dimensionId, parentId, orderedIds } }),
  merge: (d: Department, intoId: string) =>
    apiRequest<unknown>(dept(d.id, "/merge"), { method: "POST", body: { intoId }, headers: ifMatch(d.version) }),
  setEnabled: (d: Department, enabled: boolean) =>
    apiRequest<Department>(dept(d.id, enabled ? "/enable" : "/disable"), {
      method: "POST",
      headers: ifMatch(d.version),
    }).then((r) => r.data),
  remove: (d: Department) => apiRequest<unknown>(dept(d.id), { method: "DELETE", headers: ifMatch(d.version) }),
};

export async function searchUsers(q: string): Promise<OrgUser[]> {
  const { data } = await apiRequest<OrgUser[]>("/users", { query: query({ q, _start: 0, _end: 20 }) });
  return data;
}
