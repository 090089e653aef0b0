import type { ScopedAction } from "../../../../policies/scoped";
import { apiRequest } from "../../api/http";

/** Wire shapes of the authorization API (docs/api.md, "Authorization"); times are ISO 8601 UTC. */

export interface ScopedAdmin {
  id: string;
  userId: string;
  username: string;
  displayName: string;
  dimensionId: string;
  departmentId: string;
  departmentName: string;
  departmentPath: string[];
  actions: ScopedAction[];
  grantedBy: string;
  grantedByName: string;
  parentGrantId: string | null;
  status: "active" | "expired" | "revoked";
  expiresAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
  createdAt: string;
}

export interface ApiClient {
  id: string;
  name: string;
  scopes?: string[];
  createdAt: string;
  createdByName?: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export const APPROVAL_STATUSES = ["pending", "approved", "rejected", "expired", "cancelled", "failed"] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];
export interface Approval {
  id: string;
  action: string;
  payload: unknown;
  /** Names of the users, departments and policies the payload names by id. */
  references?: Record<string, string>;
  summary: string;
  status: ApprovalStatus;
  proposedBy: string;
  /** Usernames and display names beside the ids, so no page has to show an id. */
  proposerName: string;
  proposerDisplayName: string;
  proposerRole: string;
  /** Null while pending, and for a withdrawn or expired proposal: no second admin decided it. */
  decidedBy: string | null;
  deciderName: string | null;
  deciderDisplayName: string | null;
  deciderRole: string | null;
  decidedAt: string | null;
  reason: string | null;
  expiresAt: string;
  createdAt: string;
}

/** The answer of a change that the two-person rule holds until another admin approves it. */
export interface PendingApproval {
  approvalId: string;
  status?: "pending";
  expiresAt?: string;
}

export function isPendingApproval(data: unknown): data is PendingApproval {
  return typeof data === "object" && data !== null && typeof (data as PendingApproval).approvalId === "string";
}

export type PolicyVersionStatus = "draft" | "published" | "superseded";
export interface Policy {
  id: string;
  name: string;
  description: string;
  publishedVersion: number | null;
  latestVersion?: number | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}
export interface PolicyVersion {
  policyId: string;
  version: number;
  status: PolicyVersionStatus;
  document?: unknown;
  createdBy?: string;
  createdByName?: string | null;
  createdAt: string;
  publishedBy?: string | null;
  publishedByName?: string | null;
  publishedAt: string | null;
}

/** One rule in an explanation; the fields beyond these depend on where the rule came from. */
export type ExplainEntry = Record<string, unknown>;
export interface SimulationResult {
  allowed: boolean;
  decisive: ExplainEntry[];
  considered: ExplainEntry[];
  /** Why it was denied without looking at rules: other_tenant, subject_inactive, missing_attributes. */
  reason?: string;
  /** Resource attributes a deny rule needs but the question did not give (decided as denied). */
  missing?: string[];
}
export interface SimulationRequest {
  subject: { userId: string } | { attributes: Record<string, unknown> };
  action: string;
  resource: { type: string; attributes: Record<string, unknown> };
  environment?: { ip?: string; time?: string; mfa?: boolean };
  draft?: { policyId: string; version: number };
}

export interface DecisionChange {
  subject: unknown;
  action: string;
  resource: unknown;
  before: boolean;
  after: boolean;
}
export interface DiffResult {
  changes: DecisionChange[];
  evaluated: number;
  /** The evaluation or the list of changes hit the server's cap. */
  truncated?: boolean;
  sample?: { users: number; actions: string[] };
}

const policyPath = (id: string, suffix = "") => `/policies/${encodeURIComponent(id)}${suffix}`;

export const policyOps = {
  versions: (id: string) =>
    apiRequest<PolicyVersion[]>(policyPath(id, "/versions"), {
      query: new URLSearchParams({ _start: "0", _end: "200", _sort: "version", _order: "desc" }),
    }).then((r) => r.data),
  version: (id: string, version: number) =>
    apiRequest<PolicyVersion>(policyPath(id, `/versions/${version}`)).then((r) => r.data),
  saveDraft: (id: string, document: unknown) =>
    apiRequest<PolicyVersion>(policyPath(id, "/versions"), { method: "POST", body: { document } }).then((r) => r.data),
  publish: (id: string, version: number) =>
    apiRequest<unknown>(policyPath(id, "/publish"), { method: "POST", body: { version } }).then((r) => r.data),
  restore: (id: string, version: number) =>
    apiRequest<unknown>(policyPath(id, "/restore"), { method: "POST", body: { version } }).then((r) => r.data),
  simulate: (body: SimulationRequest) =>
    apiRequest<SimulationResult>("/policies/simulate", { method: "POST", body }).then((r) => r.data),
  diff: (policyId: string, version: number) =>
    apiRequest<DiffResult>("/policies/diff", { method: "POST", body: { policyId, version } }).then((r) => r.data),
};
