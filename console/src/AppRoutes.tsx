import { Authenticated } from "@refinedev/core";
import type { ReactNode } from "react";
import { Route, Routes } from "react-router";
import { FullPageSpin } from "./components/FullPageSpin";
import { WorkspaceLayout } from "./components/layout/WorkspaceLayout";
import { PasswordGate } from "./components/PasswordGate";
import { ResourceGuard } from "./components/ResourceGuard";
import { GuestOnly, RequireSession } from "./components/SessionGuards";
import { AuditEventList } from "./pages/audit/AuditEventList";
import { ChangePasswordPage } from "./pages/change-password/ChangePasswordPage";
import { NotFoundPage } from "./pages/errors/NotFoundPage";
import { WorkspaceHome } from "./pages/home/WorkspaceHome";
import { LoginPage } from "./pages/login/LoginPage";
import { PlaceholderPage } from "./pages/placeholder/PlaceholderPage";
import { type ConsoleResource, RESOURCES } from "./resources";

/** Pages that are built; every other resource shows its placeholder until its release. */
const PAGES: Record<string, (resource: ConsoleResource) => ReactNode> = {
  "audit-events": (resource) => <AuditEventList resource={resource} />,
  "auditor-events": (resource) => <AuditEventList key={resource.name} resource={resource} />,
};

/**
 * Absolute paths with BrowserRouter: the API answers every non-/api GET with index.html.
 * Signed out → /login; signed in with a password to change → /change-password; otherwise the workspace.
 */
export function AppRoutes() {
  return (
    <Routes>
      <Route
        element={
          <Authenticated key="workspace" loading={<FullPageSpin />}>
            <PasswordGate>
              <WorkspaceLayout />
            </PasswordGate>
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
        path="/change-password"
        element={
          <RequireSession>
            <ChangePasswordPage />
          </RequireSession>
        }
      />
    </Routes>
  );
}
