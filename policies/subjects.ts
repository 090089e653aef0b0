/**
 * The vocabulary of authorization: every action and subject the product knows.
 * One list, shared by the API (route abilities), the duty matrix and the console (menus).
 */
export const ADMIN_ROLES = ["sysadmin", "secadmin", "auditadmin"] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

/**
 * Every built-in role: the three admin roles and `viewer` (领导, leadership), who reads SLA figures
 * and incidents and changes nothing. An account holds at most one of them (migration 0022).
 * `viewer` is not an admin role: it never counts as 三员 staffing and is assigned by secadmin.
 */
export const ROLES = [...ADMIN_ROLES, "viewer"] as const;
export type Role = (typeof ROLES)[number];

export const ACTIONS = ["read", "create", "update", "delete", "export", "verify"] as const;
export type Action = (typeof ACTIONS)[number];

export const SUBJECTS = [
  // system admin (系统管理员); the directory (Dimension, OrgUnit = department, Post, User) is readable by secadmin
  "Tenant",
  "Dimension",
  "OrgUnit",
  "Post",
  "User",
  "Session",
  "App",
  "Monitor",
  // monitoring (issue 6): alert rules, alerts and silences; notification channels and their
  // delivery log; graded incidents; SLA figures (read-only, also for leadership)
  "Alert",
  "NotificationChannel",
  "Incident",
  "Sla",
  "Backup",
  // security admin (安全保密管理员)
  "Policy",
  "Grant",
  "SecuritySetting",
  "ApiClient",
  "Watermark",
  "SensitiveWord",
  // data keys under the KEK and their rotation (docs/crypto.md "Keys")
  "CryptoKey",
  // audit admin (安全审计员)
  "AuditEvent",
  "ComplianceReport",
  // audit retention, storage limit and alert threshold (edited by auditadmin, read by secadmin)
  "AuditSetting",
  // two-person rule (双人复核): proposals by one admin role, decided by another
  "Approval",
  // the MAC check of access-control data (密评): verified by secadmin and auditadmin
  "AclIntegrity",
] as const;
export type Subject = (typeof SUBJECTS)[number];

export function isAdminRole(value: unknown): value is AdminRole {
  return typeof value === "string" && (ADMIN_ROLES as readonly string[]).includes(value);
}

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}
