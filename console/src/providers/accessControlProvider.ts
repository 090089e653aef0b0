import { subject as asSubject } from "@casl/ability";
import type { AccessControlProvider } from "@refinedev/core";
import { findResource, type MenuAbility } from "../resources";
import { ensureSession } from "../session/session";

/** refine's CRUD verbs in the duty matrix's vocabulary (policies/subjects.ts). */
const ACTION_OF: Record<string, string> = {
  list: "read",
  show: "read",
  create: "create",
  edit: "update",
  clone: "create",
  delete: "delete",
  export: "export",
};

/**
 * Answers refine's `can` from the CASL rules the server sent with /auth/me. Anything without a declared
 * ability is denied: a menu entry or page that forgot its ability stays hidden instead of showing by default.
 * The server checks every route again; this only decides what the console offers.
 */
export const accessControlProvider: AccessControlProvider = {
  can: async ({ resource, action, params }) => {
    const declared: MenuAbility | undefined = params?.resource?.meta?.ability ?? findResource(resource)?.ability;
    if (!declared) return { can: false, reason: "no ability declared" };
    const session = await ensureSession();
    if (!session) return { can: false, reason: "not signed in" };
    const caslAction = action === "list" ? declared.action : (ACTION_OF[action] ?? action);
    const target = declared.sample ? asSubject(declared.subject, { ...declared.sample }) : declared.subject;
    return { can: session.ability.can(caslAction, target) };
  },
  options: {
    buttons: { enableAccessControl: true, hideIfUnauthorized: true },
  },
};
