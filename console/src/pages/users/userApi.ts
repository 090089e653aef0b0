import { apiRequest } from "../../api/http";

/** An account as GET /api/v1/users returns it: personal data masked, version for If-Match. */
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

export type UserStatus = "active" | "disabled" | "deleted";

export interface User {
  id: string;
  username: string;
  displayName: string;
  employeeNo: string | null;
  phone: string | null;
  email: string | null;
  status: UserStatus;
  locked: boolean;
  lockedUntil: string | null;
  mustChangePassword: boolean;
  clearanceLevel: number;
  attributes: Record<string, unknown>;
  role: string | null;
  memberships: Membership[];
  deletedAt?: string | null;
  eraseAfter?: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** What PUT …/memberships and POST /users take for one membership. */
export interface MembershipInput {
  departmentId: string;
  isPrimary?: boolean;
  postId?: string | null;
  title?: string | null;
  sortOrder?: number;
}

export interface CreateUserInput {
  username: string;
  displayName: string;
  employeeNo?: string;
  phone?: string;
  email?: string;
  clearanceLevel?: number;
  memberships?: MembershipInput[];
}

export type PatchUserInput = Partial<Pick<CreateUserInput, "displayName" | "clearanceLevel">> & {
  employeeNo?: string | null;
  phone?: string | null;
  email?: string | null;
};

export interface ImportError {
  row: number;
  field: string;
  message: string;
  zh: string;
}

export interface ImportResult {
  total: number;
  created: number;
  dryRun?: boolean;
  encoding?: string;
  errors: ImportError[];
}

export const USER_STATUSES: UserStatus[] = ["active", "disabled", "deleted"];
export const USERNAME = /^[A-Za-z0-9._@-]{1,64}$/;
export const EMPLOYEE_NO = /^[A-Za-z0-9._-]{1,64}$/;
export const MAINLAND_MOBILE = /^(?:\+?86)?1[3-9]\d{9}$/;

/** The version as the ETag the server compares (If-Match). */
const ifMatch = (user: Pick<User, "version">) => ({ "If-Match": `"${user.version}"` });
const userPath = (id: string) => `/users/${encodeURIComponent(id)}`;

export const getUser = async (id: string) => (await apiRequest<User>(userPath(id))).data;

export const createUser = async (input: CreateUserInput) =>
  (await apiRequest<{ user: User; oneTimePassword: string }>("/users", { method: "POST", body: input })).data;

export const updateUser = async (user: User, patch: PatchUserInput) =>
  (await apiRequest<User>(userPath(user.id), { method: "PATCH", body: patch, headers: ifMatch(user) })).data;

export const setMemberships = async (user: User, memberships: MembershipInput[]) =>
  (
    await apiRequest<User>(`${userPath(user.id)}/memberships`, {
      method: "PUT",
      body: memberships,
      headers: ifMatch(user),
    })
  ).data;

export type LifecycleVerb = "disable" | "enable" | "unlock";

export const lifecycle = async (user: User, verb: LifecycleVerb) =>
  (await apiRequest<User>(`${userPath(user.id)}/${verb}`, { method: "POST", headers: ifMatch(user) })).data;

export const resetPassword = async (user: User) =>
  (
    await apiRequest<{ oneTimePassword: string }>(`${userPath(user.id)}/reset-password`, {
      method: "POST",
      headers: ifMatch(user),
    })
  ).data.oneTimePassword;

/** Removes the account's second factors and recovery codes and ends its sessions (never one's own). */
export const resetSecondFactor = async (user: User) =>
  (await apiRequest<User>(`${userPath(user.id)}/reset-second-factor`, { method: "POST", headers: ifMatch(user) })).data;

export const deleteUser = (user: User) =>
  apiRequest<void>(userPath(user.id), { method: "DELETE", headers: ifMatch(user) });

export const personalData = async (user: User) =>
  (await apiRequest<{ phone: string | null; email: string | null }>(`${userPath(user.id)}/personal-data`)).data;

/** Memberships as the API takes them back (names are the server's to fill in). */
export function membershipInputs(memberships: Membership[]): MembershipInput[] {
  return memberships.map((m) => ({
    departmentId: m.departmentId,
    isPrimary: m.isPrimary,
    postId: m.postId,
    title: m.title,
    sortOrder: m.sortOrder,
  }));
}
