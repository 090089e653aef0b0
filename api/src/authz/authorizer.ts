import { abilityFor, type AppAbility, packedRulesFor } from "../../../policies/ability";
import type { Principal } from "../http/context";

/** What a decision may depend on besides the subject: the request's environment. */
export interface DecisionEnvironment {
  ip: string;
  now: Date;
}

/**
 * Builds the caller's CASL ability for one request. The API asks only this interface; the ABAC work
 * (grants, scoped admins, authored policies, caching per policy generation) lives behind it.
 */
export interface Authorizer {
  abilityFor(principal: Principal, env: DecisionEnvironment): Promise<AppAbility>;
  /** The packed rules the console unpacks to mirror the server's decisions in its menus. */
  packedRulesFor(principal: Principal, env: DecisionEnvironment): Promise<unknown[][]>;
}

/** The built-in duty matrix only (ARCHITECTURE §4.1). */
export function dutyOnlyAuthorizer(): Authorizer {
  return {
    abilityFor: async (principal) => abilityFor(principal.role),
    packedRulesFor: async (principal) => packedRulesFor(principal.role),
  };
}
