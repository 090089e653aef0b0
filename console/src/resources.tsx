import {
  AlertOutlined,
  ApartmentOutlined,
  ApiOutlined,
  AppstoreOutlined,
  AuditOutlined,
  BgColorsOutlined,
  CloudServerOutlined,
  DatabaseOutlined,
  ClusterOutlined,
  CrownOutlined,
  DashboardOutlined,
  FileProtectOutlined,
  FileSearchOutlined,
  FilterOutlined,
  FireOutlined,
  FundOutlined,
  IdcardOutlined,
  KeyOutlined,
  LockOutlined,
  NotificationOutlined,
  PartitionOutlined,
  SafetyCertificateOutlined,
  SolutionOutlined,
  TeamOutlined,
} from "@ant-design/icons";
import type { ResourceProps } from "@refinedev/core";
import type { ReactNode } from "react";
import type { Role, Subject } from "../../policies/subjects";

/**
 * What a menu entry needs from the server's abilities. `sample` is a representative record of the page: it is
 * checked as a CASL subject instance, so conditional rules decide. Both audit pages read AuditEvent, and only
 * the conditions (actorRole = auditadmin for secadmin, ≠ auditadmin for auditadmin) tell them apart.
 */
export interface MenuAbility {
  /** "update" for a page meant for those who manage the subject rather than everyone who may read it. */
  action: "read" | "update";
  subject: Subject;
  sample?: Record<string, unknown>;
}

export interface ConsoleResource {
  name: string;
  /** Absolute console route of the list page. */
  route: string;
  /** Path under /api/v1 the data provider calls. */
  apiPath: string;
  ability: MenuAbility;
  /** The role whose workspace holds the page; only groups the menu, never grants anything. */
  workspace: Role;
  icon: ReactNode;
}

const read = (subject: Subject, sample?: Record<string, unknown>): MenuAbility => ({ action: "read", subject, sample });
const manage = (subject: Subject): MenuAbility => ({ action: "update", subject });

function entry(
  workspace: Role,
  name: string,
  route: string,
  ability: MenuAbility,
  icon: ReactNode,
  apiPath = name,
): ConsoleResource {
  return { workspace, name, route, ability, icon, apiPath };
}

/** In menu order. Audit pages share one API list; the server filters it by the caller's rules. */
export const RESOURCES: readonly ConsoleResource[] = [
  entry("sysadmin", "tenants", "/system/tenants", read("Tenant"), <ClusterOutlined />),
  // The directory pages are for those who manage it; secadmin reads it only to pick grantees and subjects.
  entry("sysadmin", "org-units", "/system/org-units", manage("OrgUnit"), <ApartmentOutlined />, "departments"),
  entry("sysadmin", "dimensions", "/system/dimensions", manage("Dimension"), <PartitionOutlined />),
  entry("sysadmin", "posts", "/system/posts", manage("Post"), <IdcardOutlined />),
  entry("sysadmin", "users", "/system/users", manage("User"), <TeamOutlined />),
  entry("sysadmin", "apps", "/system/apps", read("App"), <AppstoreOutlined />),
  entry("sysadmin", "monitors", "/system/monitors", read("Monitor"), <DashboardOutlined />),
  // Read-only SLA and incidents: the viewer's only page (so its landing), and one more for sysadmin.
  entry("viewer", "leadership", "/leadership", read("Sla"), <FundOutlined />, "sla/apps"),
  entry("sysadmin", "alerts", "/system/alerts", read("Alert"), <AlertOutlined />),
  entry("sysadmin", "incidents", "/system/incidents", read("Incident"), <FireOutlined />),
  entry(
    "sysadmin",
    "notification-channels",
    "/system/notification-channels",
    read("NotificationChannel"),
    <NotificationOutlined />,
  ),
  entry("sysadmin", "backups", "/system/backups", read("Backup"), <CloudServerOutlined />),
  entry("secadmin", "policies", "/security/policies", read("Policy"), <SafetyCertificateOutlined />),
  entry("secadmin", "scoped-admins", "/security/scoped-admins", read("Grant"), <KeyOutlined />),
  // Only an unconditional Grant rule (secadmin) matches this sample: a delegating scoped admin's is on a subtree.
  entry("secadmin", "viewers", "/security/viewers", read("Grant", { role: "viewer" }), <CrownOutlined />),
  entry("secadmin", "api-clients", "/security/api-clients", read("ApiClient"), <ApiOutlined />),
  entry("secadmin", "security-settings", "/security/settings", read("SecuritySetting"), <LockOutlined />),
  entry("secadmin", "watermarks", "/security/watermarks", read("Watermark"), <BgColorsOutlined />),
  entry("secadmin", "sensitive-words", "/security/sensitive-words", read("SensitiveWord"), <FilterOutlined />),
  entry(
    "secadmin",
    "auditor-events",
    "/security/auditor-events",
    read("AuditEvent", { actorRole: "auditadmin" }),
    <AuditOutlined />,
    "audit/events",
  ),
  entry(
    "auditadmin",
    "audit-events",
    "/audit/events",
    read("AuditEvent", { actorRole: "sysadmin" }),
    <FileSearchOutlined />,
    "audit/events",
  ),
  entry(
    "auditadmin",
    "compliance-reports",
    "/audit/compliance-reports",
    read("ComplianceReport"),
    <FileProtectOutlined />,
  ),
  // The audit log's retention, storage and archives: auditadmin edits, secadmin reads (AuditSetting).
  entry(
    "auditadmin",
    "audit-settings",
    "/audit/settings",
    read("AuditSetting"),
    <DatabaseOutlined />,
    "audit/settings",
  ),
  // Two-person rule: every admin role reads proposals; the page frames itself in the reader's own workspace.
  entry("sysadmin", "approvals", "/approvals", read("Approval"), <SolutionOutlined />),
];

export function findResource(name: string | undefined): ConsoleResource | undefined {
  return RESOURCES.find((resource) => resource.name === name);
}

/** The same list in refine's shape; `meta.ability` is what the access-control provider checks. */
export const REFINE_RESOURCES: ResourceProps[] = RESOURCES.map((resource) => ({
  name: resource.name,
  list: resource.route,
  meta: { apiPath: resource.apiPath, ability: resource.ability, icon: resource.icon },
}));
