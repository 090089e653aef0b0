import type { RouteTable } from "../http/route";
import { PendingApproval, PutSecuritySettingsBody, SecuritySettingsView } from "./schemas";
import type { SettingsService } from "./service";

export function registerSettingsRoutes(routes: RouteTable, settings: SettingsService): void {
  routes.add({
    method: "get",
    path: "/api/v1/security-settings",
    operationId: "getSecuritySettings",
    summary: "The tenant's security settings (the 等保三级 defaults until first saved)",
    tags: ["security-settings"],
    access: { ability: { action: "read", subject: "SecuritySetting" } },
    response: {
      status: 200,
      description: "The settings and their version",
      schema: SecuritySettingsView,
      headers: { etag: 'The version, e.g. "3": send it back in If-Match' },
    },
    async handler({ ctx, res }) {
      const view = await settings.get(ctx);
      res.setHeader("etag", `"${view.version}"`);
      return view;
    },
  });

  routes.add({
    method: "put",
    path: "/api/v1/security-settings",
    operationId: "putSecuritySettings",
    summary: "Replace the tenant's security settings (If-Match required)",
    tags: ["security-settings"],
    access: { ability: { action: "update", subject: "SecuritySetting" } },
    body: PutSecuritySettingsBody,
    response: {
      status: 200,
      description: "Saved; or 202 with { approvalId } when the two-person rule covers this change",
      schema: SecuritySettingsView,
      headers: { etag: "The new version" },
    },
    problems: [409, 428],
    async handler({ body, ctx, req, res }) {
      const outcome = await settings.update(ctx, body.settings, req.get("if-match"));
      if (outcome.kind === "pending") {
        res.status(202).json(PendingApproval.parse({ approvalId: outcome.approvalId }));
        return undefined;
      }
      res.setHeader("etag", `"${outcome.view.version}"`);
      return outcome.view;
    },
  });
}
