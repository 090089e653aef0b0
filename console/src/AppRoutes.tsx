import { Authenticated } from "@refinedev/core";
import type { ReactNode } from "react";
import { Route, Routes } from "react-router";
import { FullPageSpin } from "./components/FullPageSpin";
import { WorkspaceLayout } from "./components/layout/WorkspaceLayout";
import { ResourceGuard } from "./components/ResourceGuard";
import { GuestOnly, RequireStep } from "./components/SessionGuards";
import { SignInGate } from "./components/SignInGate";
import { ApprovalList } from "./pages/approvals/ApprovalList";
import { AuditEventList } from "./pages/audit/AuditEventList";
import { ChangePasswordPage } from "./pages/change-password/ChangePasswordPage";
import { DimensionList } from "./pages/dimensions/DimensionList";
import { NotFoundPage } from "./pages/errors/NotFoundPage";
import { ApiClientList } from "./pages/grants/ApiClientList";
import { ScopedAdminList } from "./pages/grants/ScopedAdminList";
import { WorkspaceHome } from "./pages/home/WorkspaceHome";
import { LoginPage } from "./pages/login/LoginPage";
import { MfaEnrollPage } from "./pages/mfa/MfaEnrollPage";
import { MfaVerifyPage } from "./pages/mfa/MfaVerifyPage";
import { OrgPage } from "./pages/org/OrgPage";
import { PlaceholderPage } from "./pages/placeholder/PlaceholderPage";
import { PolicyPage } from "./pages/policies/PolicyPage";
import { PostList } from "./pages/posts/PostList";
import { SecuritySettingsPage } from "./pages/security-settings/SecuritySettingsPage";
import { MySecurityPage } from "./pages/sessions/MySecurityPage";
import { TenantList } from "./pages/tenants/TenantList";
import { UserList } from "./pages/users/UserList";
import { UserShowPage } from "./pages/users/UserShowPage";
import { type ConsoleResource, findResource, RESOURCES } from "./resources";

/** Pages that are built; every other resource shows its placeholder until its release. */
const PAGES: Record<string, (resource: ConsoleResource) => ReactNode> = {
  "audit-events": (resource) => <AuditEventList resource={resource} />,
  "auditor-events": (resource) => <AuditEventList key={resource.name} resource={resource} />,
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
};

/**
 * Absolute paths with BrowserRouter: the API answers every non-/api GET with index.html.
 * Signed out → /login; a sign-in step owed (second factor, enrolment, password change) → that step's page
 * (session/steps.ts); otherwise the workspace.
 */
export function AppRoutes() {
  return (
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
        <Route index element={<WorkspaceHome />} />
        {RESOURCES.map((resource) => (
          <Route
            key={resource.name}
            path={resource.route}
            element={
              <ResourceGuard resource={resource}>
                {PAGES[resource.name]?.(resource) ?? <PlaceholderPage resource={resource} />}
              </ResourceGuard>
            }
          />
        ))}
        <Route path="/account/security" element={<MySecurityPage />} />
        <Route path="/system/users/:id" element={<UserDetailRoute />} />
        <Route path="*" element={<NotFoundPage />} />
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
  );
}

/** A user's page is guarded like the user list it is opened from. */
function UserDetailRoute() {
  const users = findResource("users");
  if (!users) return <NotFoundPage />;
  return (
    <ResourceGuard resource={users}>
      <UserShowPage resource={users} />
    </ResourceGuard>
  );
}
