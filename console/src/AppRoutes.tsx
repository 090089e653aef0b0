import { Authenticated } from "@refinedev/core";
import type { ReactNode } from "react";
import { Route, Routes } from "react-router";
import { FullPageSpin } from "./components/FullPageSpin";
import { ResourceGuard } from "./components/ResourceGuard";
import { GuestOnly, RequireStep } from "./components/SessionGuards";
import { SignInGate } from "./components/SignInGate";
import { lazyPage, PageSuspense } from "./lazyPage";
import { LoginPage } from "./pages/login/LoginPage";
import { type ConsoleResource, findResource, RESOURCES } from "./resources";

/*
 * Only the sign-in page is in the first download: everything behind it — the workspace frame, every page, the
 * later sign-in steps (SM2 and TOTP code) — is fetched when first shown, so a visitor on /login does not
 * download the signed-in console (docs/console.md, "Bundle").
 */
const WorkspaceLayout = lazyPage(() => import("./components/layout/WorkspaceLayout"), "WorkspaceLayout");
const AlertsPage = lazyPage(() => import("./pages/alerts/AlertsPage"), "AlertsPage");
const ApprovalList = lazyPage(() => import("./pages/approvals/ApprovalList"), "ApprovalList");
const AuditEventList = lazyPage(() => import("./pages/audit/AuditEventList"), "AuditEventList");
const AuditSettingsPage = lazyPage(() => import("./pages/audit-settings/AuditSettingsPage"), "AuditSettingsPage");
const ChangePasswordPage = lazyPage(() => import("./pages/change-password/ChangePasswordPage"), "ChangePasswordPage");
const ChannelsPage = lazyPage(() => import("./pages/notification-channels/ChannelsPage"), "ChannelsPage");
const DimensionList = lazyPage(() => import("./pages/dimensions/DimensionList"), "DimensionList");
const NotFoundPage = lazyPage(() => import("./pages/errors/NotFoundPage"), "NotFoundPage");
const ApiClientList = lazyPage(() => import("./pages/grants/ApiClientList"), "ApiClientList");
const ScopedAdminList = lazyPage(() => import("./pages/grants/ScopedAdminList"), "ScopedAdminList");
const WorkspaceHome = lazyPage(() => import("./pages/home/WorkspaceHome"), "WorkspaceHome");
const IncidentsPage = lazyPage(() => import("./pages/incidents/IncidentsPage"), "IncidentsPage");
const LeadershipPage = lazyPage(() => import("./pages/leadership/LeadershipPage"), "LeadershipPage");
const MonitorsPage = lazyPage(() => import("./pages/monitors/MonitorsPage"), "MonitorsPage");
const MonitorDetailRoute = lazyPage(() => import("./pages/monitors/MonitorDetailPage"), "MonitorDetailRoute");
const ViewerList = lazyPage(() => import("./pages/leadership/ViewerList"), "ViewerList");
const MfaEnrollPage = lazyPage(() => import("./pages/mfa/MfaEnrollPage"), "MfaEnrollPage");
const MfaVerifyPage = lazyPage(() => import("./pages/mfa/MfaVerifyPage"), "MfaVerifyPage");
const OrgPage = lazyPage(() => import("./pages/org/OrgPage"), "OrgPage");
const PlaceholderPage = lazyPage(() => import("./pages/placeholder/PlaceholderPage"), "PlaceholderPage");
const PolicyPage = lazyPage(() => import("./pages/policies/PolicyPage"), "PolicyPage");
const PostList = lazyPage(() => import("./pages/posts/PostList"), "PostList");
const SecuritySettingsPage = lazyPage(
  () => import("./pages/security-settings/SecuritySettingsPage"),
  "SecuritySettingsPage",
);
const MySecurityPage = lazyPage(() => import("./pages/sessions/MySecurityPage"), "MySecurityPage");
const SensitiveWordsPage = lazyPage(() => import("./pages/sensitive-words/SensitiveWordsPage"), "SensitiveWordsPage");
const TenantList = lazyPage(() => import("./pages/tenants/TenantList"), "TenantList");
const UserList = lazyPage(() => import("./pages/users/UserList"), "UserList");
const UserShowPage = lazyPage(() => import("./pages/users/UserShowPage"), "UserShowPage");
const WatermarksPage = lazyPage(() => import("./pages/watermarks/WatermarksPage"), "WatermarksPage");

/** Pages that are built; every other resource shows its placeholder until its release. */
const PAGES: Record<string, (resource: ConsoleResource) => ReactNode> = {
  "audit-events": (resource) => <AuditEventList resource={resource} />,
  "auditor-events": (resource) => <AuditEventList key={resource.name} resource={resource} />,
  "audit-settings": (resource) => <AuditSettingsPage resource={resource} />,
  users: (resource) => <UserList resource={resource} />,
  "security-settings": (resource) => <SecuritySettingsPage resource={resource} />,
  tenants: (resource) => <TenantList resource={resource} />,
  "org-units": (resource) => <OrgPage resource={resource} />,
  dimensions: (resource) => <DimensionList resource={resource} />,
  posts: (resource) => <PostList resource={resource} />,
  "scoped-admins": (resource) => <ScopedAdminList resource={resource} />,
  "api-clients": (resource) => <ApiClientList resource={resource} />,
  approvals: (resource) => <ApprovalList resource={resource} />,
  policies: (resource) => <PolicyPage resource={resource} />,
  "sensitive-words": (resource) => <SensitiveWordsPage resource={resource} />,
  watermarks: (resource) => <WatermarksPage resource={resource} />,
  monitors: (resource) => <MonitorsPage resource={resource} />,
  leadership: (resource) => <LeadershipPage resource={resource} />,
  viewers: (resource) => <ViewerList resource={resource} />,
  incidents: (resource) => <IncidentsPage resource={resource} />,
  alerts: (resource) => <AlertsPage resource={resource} />,
  "notification-channels": (resource) => <ChannelsPage resource={resource} />,
};

/**
 * Absolute paths with BrowserRouter: the API answers every non-/api GET with index.html.
 * Signed out → /login; a sign-in step owed (second factor, enrolment, password change) → that step's page
 * (session/steps.ts); otherwise the workspace.
 */
export function AppRoutes() {
  // The outer boundary covers the lazy frame and sign-in steps; each workspace page has its own, inside the
  // frame, so the menu and header stay while a page's chunk downloads.
  return (
    <PageSuspense>
      <Routes>
        <Route
          element={
            <Authenticated key="workspace" loading={<FullPageSpin />}>
              <SignInGate>
                <WorkspaceLayout />
              </SignInGate>
            </Authenticated>
          }
        >
          <Route index element={<PageSuspense>{<WorkspaceHome />}</PageSuspense>} />
          {RESOURCES.map((resource) => (
            <Route
              key={resource.name}
              path={resource.route}
              element={
                <ResourceGuard resource={resource}>
                  <PageSuspense>
                    {PAGES[resource.name]?.(resource) ?? <PlaceholderPage resource={resource} />}
                  </PageSuspense>
                </ResourceGuard>
              }
            />
          ))}
          <Route
            path="/account/security"
            element={
              <PageSuspense>
                <MySecurityPage />
              </PageSuspense>
            }
          />
          <Route path="/system/users/:id" element={<UserDetailRoute />} />
          <Route
            path="/system/monitors/:id"
            element={
              <PageSuspense>
                <MonitorDetailRoute />
              </PageSuspense>
            }
          />
          <Route
            path="*"
            element={
              <PageSuspense>
                <NotFoundPage />
              </PageSuspense>
            }
          />
        </Route>
        <Route
          path="/login"
          element={
            <GuestOnly>
              <LoginPage />
            </GuestOnly>
          }
        />
        <Route
          path="/login/verify"
          element={
            <RequireStep step="mfa-verify">
              <MfaVerifyPage />
            </RequireStep>
          }
        />
        <Route
          path="/login/enroll"
          element={
            <RequireStep step="mfa-enroll">
              <MfaEnrollPage />
            </RequireStep>
          }
        />
        <Route
          path="/change-password"
          element={
            <RequireStep step="change-password">
              <ChangePasswordPage />
            </RequireStep>
          }
        />
      </Routes>
    </PageSuspense>
  );
}

/** A user's page is guarded like the user list it is opened from. */
function UserDetailRoute() {
  const users = findResource("users");
  return (
    <PageSuspense>
      {users ? (
        <ResourceGuard resource={users}>
          <UserShowPage resource={users} />
        </ResourceGuard>
      ) : (
        <NotFoundPage />
      )}
    </PageSuspense>
  );
}
