import type { Logger } from "pino";
import { abilityFor, type AppAbility, packAbility, packedRulesFor } from "../../../policies/ability";
import type { DecisionEnvironmentInput } from "../../../policies/environment";
import { applicableRules, EMPTY_POLICY_SET, type PolicySet, type TaggedRule } from "../../../policies/policy-set";
import type { ScopedGrant } from "../../../policies/scoped";
import { isRole } from "../../../policies/subjects";
import type { Bus } from "../db/bus";
import type { Db } from "../db/pool";
import type { Principal } from "../http/context";
import { compileRows, composeAbility, grantRules } from "./compose";
import { AUTHZ_CHANNEL, currentGeneration, decodeGeneration, encodeGeneration, newerGeneration } from "./generations";
import type { AclGuard } from "./integrity";
import { Lru } from "./lru";
import { loadPublished } from "./policy-store";
import { type LoadedSubject, loadSubject } from "./subject-store";

/** What a decision may depend on besides the subject: the request's environment. */
export interface DecisionEnvironment {
  ip: string;
  now: Date;
  /** Whether the session proved a second factor; taken from the principal when absent. */
  mfa?: boolean | undefined;
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

/** One built ability and the decisions already taken with it (the PDP's decision cache). */
export interface AbilityEntry {
  ability: AppAbility;
  decisions: Map<string, { allowed: boolean; missing?: string[] }>;
}

/** A subject as of one generation: attributes, grants, and its abilities per applicable-rule set. */
export interface SubjectEntry {
  generation: string;
  expiresAt: number;
  subject: LoadedSubject | null;
  grants: TaggedRule[];
  abilities: Map<string, AbilityEntry>;
}

export interface PolicyAuthorizer extends Authorizer {
  /** The tenant's published policies, compiled, at its current generation. */
  policySet(tenantId: string): Promise<{ generation: string; set: PolicySet }>;
  /** A user of the tenant as of `generation` (cached); subject null when there is no such user. */
  userEntry(tenantId: string, generation: string, userId: string): Promise<SubjectEntry>;
  /** The ability for an entry in an environment, cached per applicable-rule set. */
  abilityOf(entry: SubjectEntry, set: PolicySet, env: DecisionEnvironmentInput, role: string | null): AbilityEntry;
  /** An ability for a subject given by attributes (no duty matrix, no grants). */
  attributeEntry(tenantId: string, generation: string, attributes: Record<string, unknown>): SubjectEntry;
  /** Call after a transaction that bumped the generation committed: drops caches here and on every instance. */
  generationChanged(tenantId: string, generation: string): Promise<void>;
  close(): void;
}

export interface AuthorizerDeps {
  db: Db;
  bus: Bus;
  logger: Pick<Logger, "warn" | "error">;
  /** Checks the MACs of role assignments and published policies as they are loaded (integrity.ts). */
  guard: Pick<AclGuard, "check">;
  /** The scoped-admin loader (api/src/grants/store.ts activeScopedGrants, with its MAC checks). */
  loadScopedGrants: (db: Db, tenantId: string, userId: string) => Promise<ScopedGrant[]>;
  /** How long a loaded subject (attributes, grants) is trusted within one generation. */
  subjectTtlMs?: number;
  now?: () => number;
}

const MAX_SUBJECTS = 5_000;
const MAX_ABILITIES_PER_SUBJECT = 16;
const MAX_DECISIONS_PER_ABILITY = 2_000;

/**
 * The real authorizer: duty matrix + scoped-admin grants + published authored policies.
 *
 * Caching: the compiled policy set per (tenant, generation); subjects per (tenant, user) tagged with
 * the generation and a TTL (user attributes and memberships change without a generation bump);
 * abilities per subject per applicable-rule set; decisions per ability. A generation change (this
 * instance, or any other through the bus) makes all of a tenant's entries stale. While the bus is
 * not listening the generation is read from the database on every request instead of trusted.
 */
export function createAuthorizer(deps: AuthorizerDeps): PolicyAuthorizer {
  const now = deps.now ?? Date.now;
  const ttl = deps.subjectTtlMs ?? 30_000;
  const generations = new Map<string, string>();
  const sets = new Map<string, { generation: string; set: PolicySet }>();
  const loading = new Map<string, Promise<{ generation: string; set: PolicySet }>>();
  const subjects = new Lru<string, SubjectEntry>(MAX_SUBJECTS);

  const noteGeneration = (tenantId: string, generation: string) => {
    const known = generations.get(tenantId);
    if (known && !newerGeneration(generation, known)) return;
    generations.set(tenantId, generation);
    sets.delete(tenantId);
    subjects.deleteWhere((key) => key.startsWith(`${tenantId}:`));
  };
  const forgetAll = () => {
    generations.clear();
    sets.clear();
    subjects.clear();
  };
  const unsubscribe = deps.bus.subscribe(AUTHZ_CHANNEL, (payload) => {
    const msg = decodeGeneration(payload);
    if (msg) noteGeneration(msg.tenantId, msg.generation);
  });
  const unresync = deps.bus.onResync(forgetAll);

  async function generationOf(tenantId: string): Promise<string> {
    const known = generations.get(tenantId);
    if (known && deps.bus.listening) return known;
    const generation = await currentGeneration(deps.db, tenantId);
    if (deps.bus.listening) noteGeneration(tenantId, generation);
    return generation;
  }

  async function policySet(tenantId: string): Promise<{ generation: string; set: PolicySet }> {
    const generation = await generationOf(tenantId);
    const cached = sets.get(tenantId);
    if (cached && cached.generation === generation) return cached;
    let pending = loading.get(tenantId);
    if (!pending) {
      pending = (async () => {
        const loaded = await loadPublished(deps.db, tenantId, deps.guard);
        const set = compileRows(loaded.policies, (row) =>
          deps.logger.error({ policyId: row.id, version: row.version }, "published policy failed validation; ignored"),
        );
        const entry = { generation: loaded.generation, set: loaded.policies.length ? set : EMPTY_POLICY_SET };
        const current = sets.get(tenantId);
        if (!current || !newerGeneration(current.generation, entry.generation)) sets.set(tenantId, entry);
        return entry;
      })().finally(() => loading.delete(tenantId));
      loading.set(tenantId, pending);
    }
    return pending;
  }

  async function userEntry(tenantId: string, generation: string, userId: string): Promise<SubjectEntry> {
    const key = `${tenantId}:${userId}`;
    const cached = subjects.get(key);
    if (cached && cached.generation === generation && cached.expiresAt > now()) return cached;
    const [subject, grants] = await Promise.all([
      loadSubject(deps.db, tenantId, userId, deps.guard),
      deps.loadScopedGrants(deps.db, tenantId, userId),
    ]);
    // A grant lapsing bumps no generation (nothing is written when it does), so the entry must not
    // outlive the first of its grants to expire: the next request reloads without it.
    const lapses = grants.map((g) => g.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY);
    const entry: SubjectEntry = {
      generation,
      expiresAt: Math.min(now() + ttl, ...lapses),
      subject: subject ?? null,
      grants: subject?.status === "active" ? grantRules(grants) : [],
      abilities: new Map(),
    };
    subjects.set(key, entry);
    return entry;
  }

  function attributeEntry(tenantId: string, generation: string, attributes: Record<string, unknown>): SubjectEntry {
    const key = `${tenantId}:attrs:${JSON.stringify(attributes)}`;
    const cached = subjects.get(key);
    if (cached && cached.generation === generation) return cached;
    const entry: SubjectEntry = {
      generation,
      expiresAt: Number.POSITIVE_INFINITY,
      subject: {
        ...(attributes as Partial<LoadedSubject>),
        id: typeof attributes.id === "string" ? attributes.id : "",
        tenantId,
        username: "",
        role: typeof attributes.role === "string" ? attributes.role : (undefined as unknown as string),
        status: "active",
      },
      grants: [],
      abilities: new Map(),
    };
    subjects.set(key, entry);
    return entry;
  }

  function abilityOf(
    entry: SubjectEntry,
    set: PolicySet,
    env: DecisionEnvironmentInput,
    role: string | null,
  ): AbilityEntry {
    const subject = entry.subject ?? {};
    const bits = applicableRules(set, subject, env);
    const dutyRole = isRole(role) ? role : null;
    const key = `${dutyRole ?? ""}|${bits}`;
    let built = entry.abilities.get(key);
    if (!built) {
      const ability =
        set.rules.length === 0 && entry.grants.length === 0
          ? abilityFor(dutyRole) // the shared duty-only ability: nothing else applies
          : composeAbility({ role: dutyRole, grants: entry.grants, set, subject, env, bits }).ability;
      built = { ability, decisions: new Map() };
      if (entry.abilities.size >= MAX_ABILITIES_PER_SUBJECT) entry.abilities.clear();
      entry.abilities.set(key, built);
    }
    if (built.decisions.size >= MAX_DECISIONS_PER_ABILITY) built.decisions.clear();
    return built;
  }

  async function sessionAbility(principal: Principal, env: DecisionEnvironment): Promise<AppAbility> {
    const { generation, set } = await policySet(principal.tenantId);
    const entry = await userEntry(principal.tenantId, generation, principal.userId);
    // A session has a second factor once it verified one (mfaMethod is set by the identity service).
    const mfa = env.mfa ?? principal.mfaMethod !== null;
    return abilityOf(entry, set, { ip: env.ip, time: env.now, mfa }, principal.role).ability;
  }

  return {
    abilityFor: sessionAbility,
    async packedRulesFor(principal, env) {
      return packAbility(await sessionAbility(principal, env)) as unknown[][];
    },
    policySet,
    userEntry,
    abilityOf,
    attributeEntry,
    async generationChanged(tenantId, generation) {
      noteGeneration(tenantId, generation);
      try {
        await deps.bus.publish(AUTHZ_CHANNEL, encodeGeneration({ tenantId, generation }));
      } catch (err) {
        // The change is committed; other instances catch up within the subject TTL at worst when
        // their bus is down (they then read the generation per request). Never fail the request.
        deps.logger.warn({ err: (err as Error).message }, "could not announce a policy generation");
      }
    },
    close() {
      unsubscribe();
      unresync();
      forgetAll();
    },
  };
}
