import { subject as asSubject } from "@casl/ability";
import type { Action, Subject } from "../../../../policies/subjects";
import { useSession } from "../../session/session";

/**
 * Whether the server's CASL rules (from /auth/me) let the signed-in user do `action` on a subject type or on
 * one record of it (conditional rules, e.g. a scoped admin's department subtree, decide on the record's
 * fields). It only decides which buttons the console offers: the server checks every call again.
 */
export function useCan(): (action: Action, type: Subject, record?: object) => boolean {
  const session = useSession();
  return (action, type, record) => {
    if (!session) return false;
    return session.ability.can(action, record ? asSubject(type, { ...record }) : type);
  };
}
