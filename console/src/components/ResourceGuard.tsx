import { CanAccess } from "@refinedev/core";
import type { ReactNode } from "react";
import { ForbiddenPage } from "../pages/errors/ForbiddenPage";
import type { ConsoleResource } from "../resources";

/** A page typed into the address bar is checked like its menu entry; the API checks again on every call. */
export function ResourceGuard({ resource, children }: { resource: ConsoleResource; children: ReactNode }) {
  return (
    <CanAccess resource={resource.name} action="list" fallback={<ForbiddenPage />}>
      {children}
    </CanAccess>
  );
}
