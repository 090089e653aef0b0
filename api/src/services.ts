import type { Logger } from "pino";
import { type ApprovalService, createApprovalService } from "./approvals/service";
import { type AuditSignerSource, auditSignerSource } from "./audit/export-signature";
import { settingsTwoPersonRule } from "./approvals/settings";
import { createMfaService, type MfaService } from "./auth/mfa/service";
import { createAuthService, type AuthService } from "./auth/service";
import { createSessionService, type SessionService } from "./auth/sessions/service";
import { type AclGuard, createAclGuard, createAclIntegrity } from "./authz/integrity";
import { type AuthzServices, createAuthzServices } from "./authz/services";
import { PLATFORM_TENANT_CODE } from "./bootstrap/admins";
import type { Config } from "./config";
import type { DataKeyRing } from "./crypto/data-keys";
import { createFieldCipher, type FieldCipher } from "./crypto/fields";
import { cryptoProfile } from "./crypto/profile";
import type { Bus } from "./db/bus";
import { createKeyRotationService, DATA_KEYS_CHANNEL, type KeyRotationService } from "./keys/rotation";
import { createMonitorService, type MonitorService } from "./monitors/service";
import { createNotificationService, type NotificationService } from "./notifications/service";
import type { Db } from "./db/pool";
import { createSettingsService, type SettingsService } from "./settings/service";
import { createGrantService, type GrantService } from "./grants/service";
import { createOrgServices, type OrgServices } from "./orgs/service";
import { createPeopleFromIdentity, type People } from "./users/people";
import { createWordServices, type WordServices } from "./words/services";
import { derivedKey } from "./crypto/data-keys";
import { createEffectiveService, type EffectiveService, WATERMARK_TRACE_PURPOSE } from "./watermarks/effective";
import { createPolicyService as createWatermarkPolicyService, type PolicyService } from "./watermarks/service";

/** Every domain service, built once per process by createServices (the composition root). */
export interface Services {
  auth: AuthService;
  mfa: MfaService;
  sessions: SessionService;
  settings: SettingsService;
  authz: AuthzServices["authz"];
  /** Authored policies, simulator/diff, API clients and the cross-instance bus (api/src/authz/). */
  authzDomain: AuthzServices;
  /** MACs of access-control rows, checked on load and reported (api/src/authz/integrity.ts). */
  aclGuard: AclGuard;
  fields: FieldCipher;
  /** Data-key rotation; only with ServiceDeps.dataKeys (the re-encryption worker: server.ts). */
  keyRotations: KeyRotationService | null;
  approvals: ApprovalService;
  grants: GrantService;
  orgs: OrgServices;
  people: People;
  /** The instance's audit signing key (checkpoints, signed exports), loaded on first use. */
  auditSigner: AuditSignerSource;
  /** Watermark policies, the effective watermark and tracing (api/src/watermarks/). */
  watermarks: { policies: PolicyService; effective: EffectiveService };
  /** Sensitive words: draft, publishing, checks and hit statistics (api/src/words/). */
  words: WordServices;
  /** Monitors: definitions, pause, test now, SLA (api/src/monitors/; the prober is monitors/). */
  monitors: MonitorService;
  /** Notification channels (secrets sealed at rest), the delivery log, the message centre. */
  notifications: NotificationService;
}

export interface ServiceDeps {
  db: Db;
  config: Config;
  logger: Logger;
  /** The key-encryption key, loaded by the caller (api/src/crypto/keys.ts). */
  kek: Buffer;
  /**
   * The data keys, loaded and unwrapped by the caller (crypto/data-keys.ts loadDataKeys) before the
   * services exist, so that a wrong KEK stops the start early. Without them fields are sealed v2.
   */
  dataKeys?: DataKeyRing;
  platformTenantId: string;
  /** Cross-instance messages; by default LISTEN/NOTIFY on config.databaseUrl, in-process when embedded. */
  bus?: Bus;
}

export function createServices(deps: ServiceDeps): Services {
  const { db, config } = deps;
  const fields = createFieldCipher(deps.kek, cryptoProfile(config.cryptoProfile), deps.dataKeys);
  const aclGuard = createAclGuard({
    db,
    integrity: createAclIntegrity(cryptoProfile(config.cryptoProfile), deps.kek, deps.dataKeys),
    logger: deps.logger,
  });
  const auth = createAuthService(db, config, PLATFORM_TENANT_CODE, aclGuard);
  const mfa = createMfaService(db, fields);
  const sessions = createSessionService(db);
  // The two-person rule first: domain services register their executors with it as they are built.
  const approvals = createApprovalService({ db, twoPersonRule: settingsTwoPersonRule });
  const settings = createSettingsService(db, config, approvals);
  const authzDomain = createAuthzServices({
    db,
    logger: deps.logger,
    databaseUrl: config.databaseUrl,
    bus: deps.bus,
    approvals,
    guard: aclGuard,
  });
  const authz = authzDomain.authz;
  const grants = createGrantService({
    db,
    approvals,
    integrity: aclGuard.integrity,
    onPolicyChange: authz.generationChanged,
  });
  const orgs = createOrgServices({
    db,
    platformTenantId: deps.platformTenantId,
    pbkdf2Iterations: config.pbkdf2Iterations,
    integrity: aclGuard.integrity,
  });
  const people = createPeopleFromIdentity(db, fields, config.pbkdf2Iterations);
  const keyRotations = deps.dataKeys ? keyRotationsFor(deps, deps.dataKeys, authzDomain.bus) : null;
  const auditSigner = auditSignerSource(db, deps.kek, cryptoProfile(config.cryptoProfile));
  // The trace key is carried across KEK re-wraps (CARRIED_DERIVATIONS): old leaks stay traceable.
  const traceKey = derivedKey(
    cryptoProfile(config.cryptoProfile),
    deps.kek,
    deps.dataKeys,
    WATERMARK_TRACE_PURPOSE,
    32,
  );
  const watermarks = { policies: createWatermarkPolicyService(db), effective: createEffectiveService(db, traceKey) };
  return {
    auth,
    mfa,
    sessions,
    settings,
    authz,
    authzDomain,
    aclGuard,
    fields,
    keyRotations,
    approvals,
    grants,
    orgs,
    people,
    auditSigner,
    watermarks,
    words: createWordServices({ db, bus: authzDomain.bus, logger: deps.logger }),
    monitors: createMonitorService(db, fields),
    notifications: createNotificationService(db, fields),
  };
}

/** Rotation, and every instance learning of a new data key (or of missed messages) through the bus. */
function keyRotationsFor(deps: ServiceDeps, ring: DataKeyRing, bus: Bus): KeyRotationService {
  const refresh = () =>
    ring.refresh().catch((err: unknown) => deps.logger.error({ err }, "reloading data keys failed"));
  bus.subscribe(DATA_KEYS_CHANNEL, () => void refresh());
  bus.onResync(() => void refresh());
  const profile = cryptoProfile(deps.config.cryptoProfile);
  return createKeyRotationService({ db: deps.db, kek: deps.kek, profile, ring, bus });
}
