import type { DbOrTx } from "../db/pool";
import { getSecuritySettings } from "../settings/store";

/** The part of a tenant's security settings the two-person rule reads. */
export interface TwoPersonRule {
  actions: readonly string[];
  proposalTtlHours: number;
}

/** Where the rule comes from; read in the caller's transaction, so a proposal sees committed settings. */
export type TwoPersonRuleSource = (db: DbOrTx, tenantId: string) => Promise<TwoPersonRule>;

/** The tenant's `twoPersonRule` security setting (secadmin edits it; default: no action needs a second admin). */
export const settingsTwoPersonRule: TwoPersonRuleSource = async (db, tenantId) =>
  (await getSecuritySettings(db, tenantId)).twoPersonRule;
