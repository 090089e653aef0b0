import type { Action, AdminRole, Role, Subject } from "./subjects";

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

/** A proposal is decided by an admin of another role than the proposer's (two-person rule). */
const decidedByOtherRole = (role: AdminRole): DutyRule => ({
  action: "update",
  subject: "Approval",
  conditions: { proposerRole: { $ne: role } },
});

export const DUTIES: Record<Role, DutyRule[]> = {
  // Runs the system; cannot grant permissions, change policies or read audit logs.
  sysadmin: [
    { action: CRUD, subject: ["Tenant", "Dimension", "OrgUnit", "Post", "User", "App", "Monitor", "Backup"] },
    { action: CRUD, subject: ["Alert", "NotificationChannel", "Incident"] },
    { action: "read", subject: "Sla" },
    { action: ["read", "delete"], subject: "Session" },
    { action: ["read", "create"], subject: "Approval" },
    decidedByOtherRole("sysadmin"),
  ],
  // Sets policies, grants and security settings; reviews only the audit admin's own events. Reads the
  // directory (never changes it) to pick whom to grant to and whom to simulate.
  secadmin: [
    { action: CRUD, subject: ["Policy", "Grant", "SecuritySetting", "ApiClient", "Watermark", "SensitiveWord"] },
    { action: "read", subject: ["Dimension", "OrgUnit", "Post", "User"] },
    // Starts a data-key rotation and follows its progress, destroys retired data keys; key material
    // never leaves the server.
    { action: ["read", "create", "delete"], subject: "CryptoKey" },
    { action: ["read", "export"], subject: "AuditEvent", conditions: { actorRole: "auditadmin" } },
    // Oversees the audit admin's retention and storage settings (its changes are audited events it reads).
    { action: "read", subject: "AuditSetting" },
    { action: ["read", "create"], subject: "Approval" },
    decidedByOtherRole("secadmin"),
    // Checks that role assignments, grants, policies and API clients carry valid MACs (its own data).
    { action: "verify", subject: "AclIntegrity" },
  ],
  // Reads, verifies and exports audit logs and compliance reports of everyone but itself; keeps the
  // audit log's own settings (retention, storage); changes nothing else.
  auditadmin: [
    {
      action: ["read", "export", "verify"],
      subject: "AuditEvent",
      conditions: { actorRole: { $ne: "auditadmin" } },
    },
    { action: ["read", "export"], subject: "ComplianceReport" },
    // Retention (never below 180 days), storage limit and alert threshold of the audit log.
    { action: ["read", "update"], subject: "AuditSetting" },
    { action: "read", subject: "Approval" },
    // Verifies the MACs of access-control data (密评), as it verifies the audit chain.
    { action: "verify", subject: "AclIntegrity" },
  ],
  // Leadership (领导): reads the SLA figures and the incidents, nothing else — not the monitor
  // definitions (targets, credentials), not the directory, not the audit log — and changes nothing.
  viewer: [{ action: "read", subject: ["Sla", "Incident"] }],
};
