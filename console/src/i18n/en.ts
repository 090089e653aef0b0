import { alertingResourcesEn, alertsEn, channelsEn, messageCentreEn } from "./alerting.en";
import { auditResourcesEn, auditWorkspaceEn } from "./audit.en";
import { authzEn, authzResourcesEn } from "./authz.en";
import { identityEn } from "./identity.en";
import { incidentsEn } from "./incidents.en";
import { leadershipEn, leadershipResourcesEn } from "./leadership.en";
import { orgEn, orgResourcesEn } from "./org.en";
import { peopleEn } from "./people.en";
import { monitorsEn } from "./monitors.en";
import { watermarksEn } from "./watermarks.en";
import { wordsEn } from "./words.en";
import type { Messages } from "./messages";

/** English console texts; the `Messages` type keeps the keys in step with zh-CN.ts. */
export const en: Messages = {
  app: {
    name: "天枢 Tianshu",
    tagline: "Admin · Security · Compliance console",
    loading: "Loading…",
  },
  roles: {
    sysadmin: "System administrator",
    secadmin: "Security administrator",
    auditadmin: "Security auditor",
    viewer: "Leadership (read-only)",
    none: "No admin role",
  },
  workspaces: {
    sysadmin: "System administration",
    secadmin: "Security administration",
    auditadmin: "Security audit",
    viewer: "Leadership view",
  },
  header: {
    language: "Language",
    changePassword: "Change password",
    logout: "Sign out",
  },
  login: {
    title: "Sign in",
    subtitle: "Admin, security and compliance console with separation of duties",
    username: "Username",
    password: "Password",
    usernameRequired: "Enter your username",
    passwordRequired: "Enter your password",
    submit: "Sign in",
    failed: "Sign-in failed",
  },
  password: {
    title: "Change password",
    forced: "First sign-in or reset password: set a new password before you can open your workspace.",
    voluntary: "After the change, sessions on other devices may have to sign in again.",
    current: "Current password",
    next: "New password",
    confirm: "Confirm new password",
    required: "This field is required",
    mismatch: "The two new passwords do not match",
    rules:
      "At least 12 characters; at least three of upper case, lower case, digits and symbols; must not contain the username.",
    submit: "Change password",
    failed: "Password change failed",
    success: "Password changed",
    back: "Back to workspace",
  },
  resources: {
    tenants: {
      title: "Tenants",
      description:
        "Create, disable and enable tenants; each tenant's data is isolated and comes with its three admins.",
    },
    "org-units": {
      title: "Organization",
      description:
        "Maintain each dimension's department tree: create, drag to move, reorder, merge, disable; see members.",
    },
    users: {
      title: "Users",
      description:
        "Create, disable and unlock accounts and reset passwords; phone and ID numbers are encrypted at rest and masked in lists.",
    },
    apps: { title: "App marketplace", description: "Publish and withdraw apps, manage versions and who can see them." },
    monitors: { title: "Monitoring", description: "Service probes, SLA figures, alert rules and incident records." },
    backups: { title: "Backups", description: "Backup schedules, encrypted backup runs and restore drills." },
    policies: {
      title: "Access policies",
      description:
        "Write, validate, simulate and publish attribute-based access control (ABAC) policies; restore old versions.",
    },
    "security-settings": {
      title: "Security settings",
      description: "Password policy, lockout after failed sign-ins, session timeouts and two-factor authentication.",
    },
    watermarks: { title: "Watermarks", description: "Configure and preview screen and document watermark policies." },
    "sensitive-words": {
      title: "Sensitive words",
      description: "Maintain and import the sensitive-word lists and review hit statistics.",
    },
    "auditor-events": {
      title: "Auditor log",
      description: "What the security auditor did, for review by the security administrator.",
    },
    "audit-events": {
      title: "Audit log",
      description: "Every action of the system and security administrators, including failed and denied attempts.",
    },
    "compliance-reports": {
      title: "Compliance reports",
      description: "Generate and export the MLPS level 3 self-assessment, SLA and weekly service reports.",
    },
    ...orgResourcesEn,
    ...authzResourcesEn,
    ...auditResourcesEn,
    ...leadershipResourcesEn,
    ...alertingResourcesEn,
  },
  placeholder: {
    later: "This area arrives in a later release.",
    planned: "What it will hold",
  },
  audit: {
    fields: {
      seq: "Seq",
      occurredAt: "Time (Beijing)",
      actorName: "Actor",
      actorRole: "Role",
      action: "Action",
      targetType: "Target type",
      targetId: "Target ID",
      result: "Result",
      ip: "IP address",
      requestId: "Request ID",
    },
    results: {
      success: "Success",
      failure: "Failure",
      denied: "Denied",
    },
    total: "{{total}} in total",
    loadFailed: "Could not load the audit log",
    refresh: "Refresh",
    ...auditWorkspaceEn,
  },
  errors: {
    forbidden: "Access denied",
    forbiddenHint: "This page is not part of your role's duties.",
    notFound: "Page not found",
    noWorkspace: "This account has no admin workspace",
    network: "Cannot reach the server, please try again later",
    unknown: "An unknown error occurred",
    backHome: "Back to home",
  },
  identity: identityEn,
  org: orgEn,
  authz: authzEn,
  people: peopleEn,
  words: wordsEn,
  watermarks: watermarksEn,
  incidents: incidentsEn,
  leadership: leadershipEn,
  messageCentre: messageCentreEn,
  alerts: alertsEn,
  channels: channelsEn,
  monitors: monitorsEn,
};
