import type { Action, AdminRole, Subject } from "./subjects";

/**
 * The 三员分立 duty matrix (ARCHITECTURE §4.1). There is deliberately no "manage" action and no
 * "all" subject: every permission is listed, so no role can grow into a super-admin by accident.
 */
export interface DutyRule {
  action: Action | Action[];
  subject: Subject | Subject[];
  /** CASL (MongoDB-style) conditions over the subject's fields, compiled to SQL for lists. */
  conditions?: Record<string, unknown>;
}

const CRUD: Action[] = ["read", "create", "update", "delete"];

export const DUTIES: Record<AdminRole, DutyRule[]> = {
  // Runs the system; cannot grant permissions, change policies or read audit logs.
  sysadmin: [{ action: CRUD, subject: ["Tenant", "OrgUnit", "User", "App", "Monitor", "Backup"] }],
  // Sets policies, grants and security settings; reviews only the audit admin's own events.
  secadmin: [
    { action: CRUD, subject: ["Policy", "Grant", "SecuritySetting", "Watermark", "SensitiveWord"] },
    { action: ["read", "export"], subject: "AuditEvent", conditions: { actorRole: "auditadmin" } },
  ],
  // Reads, verifies and exports audit logs and compliance reports of everyone but itself; changes nothing else.
  auditadmin: [
    {
      action: ["read", "export", "verify"],
      subject: "AuditEvent",
      conditions: { actorRole: { $ne: "auditadmin" } },
    },
    { action: ["read", "export"], subject: "ComplianceReport" },
  ],
};
