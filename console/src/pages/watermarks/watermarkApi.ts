import { apiRequest } from "../../api/http";
import { fetchPage, ifMatch, pageQuery } from "../../api/paging";
import type { WatermarkContext } from "../../../../api/src/watermarks/resolve";
import type { WatermarkStyle } from "../../../../api/src/watermarks/tile";

/** The watermark policies API (docs/watermarks.md): policies with If-Match, and the tester. */
// The contexts and the style are the server's own (pure modules, api/src/watermarks/).
export { CONTEXTS, type WatermarkContext } from "../../../../api/src/watermarks/resolve";
export type { WatermarkStyle } from "../../../../api/src/watermarks/tile";

export interface WatermarkScope {
  departments: string[];
  apps: string[];
  contexts: WatermarkContext[];
}

/** The editable fields, as sent on create and update. */
export interface WatermarkInput {
  name: string;
  description: string;
  enabled: boolean;
  priority: number;
  scope: WatermarkScope;
  validFrom: string | null;
  validTo: string | null;
  template: string;
  customText: string;
  style: WatermarkStyle;
}

export interface WatermarkPolicy extends WatermarkInput {
  id: string;
  version: number;
  createdBy: string | null;
  createdAt: string;
  updatedBy: string | null;
  updatedAt: string;
}

interface PolicyRef {
  id: string;
  name: string;
  priority: number;
}

export type ExcludedReason = "disabled" | "not-yet-valid" | "expired" | "department" | "app" | "context";

export interface TestResult {
  chosen: PolicyRef | null;
  lines: string[];
  candidates: (PolicyRef & { rank: number; dimensions: number; depth: number; updatedAt: string; reason: string })[];
  excluded: (PolicyRef & { reason: ExcludedReason })[];
  rule: string[];
}

export interface TestRequest {
  userId: string;
  appId?: string;
  context?: WatermarkContext;
  at?: string;
}

export const watermarkApi = {
  list: async (page: number, pageSize: number, q?: string) => {
    const query = pageQuery(page, pageSize, { sort: "priority", order: "desc", filters: { q } });
    return fetchPage<WatermarkPolicy>("/watermarks", query);
  },
  create: (body: WatermarkInput) =>
    apiRequest<WatermarkPolicy>("/watermarks", { method: "POST", body }).then((r) => r.data),
  update: (policy: WatermarkPolicy, body: Partial<WatermarkInput>) =>
    apiRequest<WatermarkPolicy>(`/watermarks/${policy.id}`, {
      method: "PATCH",
      body,
      headers: ifMatch(policy.version),
    }).then((r) => r.data),
  remove: (policy: WatermarkPolicy) =>
    apiRequest<void>(`/watermarks/${policy.id}`, { method: "DELETE", headers: ifMatch(policy.version) }),
  test: (body: TestRequest) => apiRequest<TestResult>("/watermarks/test", { method: "POST", body }).then((r) => r.data),
};
