import path from "node:path";
import { z } from "zod";
import { CRYPTO_PROFILE_NAMES, type CryptoProfileName } from "./crypto/profile";

/**
 * Every environment variable Tianshu reads, parsed once. README.md lists them; keep both in step.
 */
const boolFromEnv = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).max(255).default("127.0.0.1"),
  DATABASE_URL: z.string().min(1).max(2048).optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  TIANSHU_DATA_DIR: z.string().min(1).max(1024).default("./data"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  TIANSHU_SESSION_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(15),
  TIANSHU_SESSION_ABSOLUTE_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24)
    .default(8),
  TIANSHU_COOKIE_SECURE: boolFromEnv.optional(),
  TIANSHU_PBKDF2_ITERATIONS: z.coerce.number().int().min(100_000).max(10_000_000).default(150_000),
  TIANSHU_AUTH_RATE_LIMIT: z.coerce.number().int().min(1).max(100_000).default(30),
  TIANSHU_BODY_LIMIT_KB: z.coerce.number().int().min(1).max(10_240).default(256),
  TIANSHU_TRUST_PROXY: z.string().max(255).optional(),
  TIANSHU_INIT_PASSWORD_SYSADMIN: z.string().min(1).max(128).optional(),
  TIANSHU_INIT_PASSWORD_SECADMIN: z.string().min(1).max(128).optional(),
  TIANSHU_INIT_PASSWORD_AUDITADMIN: z.string().min(1).max(128).optional(),
  TIANSHU_KEK: z.string().min(1).max(200).optional(),
  TIANSHU_CRYPTO_PROFILE: z.enum(CRYPTO_PROFILE_NAMES).default("gm"),
  // The monitors prober runs in the API process unless off (then: `npm run monitors`, docs/monitors.md).
  TIANSHU_MONITORS: z.enum(["on", "off"]).default("on"),
});

export interface Config {
  env: "development" | "production" | "test";
  port: number;
  host: string;
  /** Unset: embedded PostgreSQL (PGlite) under dataDir. */
  databaseUrl: string | undefined;
  poolMax: number;
  dataDir: string;
  logLevel: string;
  /**
   * idleMinutes / absoluteHours are ceilings: each tenant's security settings choose the timeouts
   * (docs/identity.md), never longer than these.
   */
  session: { idleMinutes: number; absoluteHours: number; cookieSecure: boolean };
  pbkdf2Iterations: number;
  authRateLimitPerMinute: number;
  bodyLimitKb: number;
  /** Express "trust proxy" setting, so client IPs come from X-Forwarded-For behind a load balancer. */
  trustProxy: string | undefined;
  initPasswords: { sysadmin?: string; secadmin?: string; auditadmin?: string };
  /** The key-encryption key; unset outside production: a generated 0600 file under dataDir. */
  kek: string | undefined;
  /** gm (SM3, SM4, SM2; default) or intl (SHA-256, AES-256-GCM, Ed25519): api/src/crypto/profile.ts. */
  cryptoProfile: CryptoProfileName;
  /**
   * TIANSHU_MONITORS=off: this API process runs no prober; run `npm run monitors` (one or more,
   * leader-elected) instead. On (default): the API process takes part in the leader election.
   */
  monitorsInProcess: boolean;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid configuration / 配置错误:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    poolMax: e.DATABASE_POOL_MAX,
    dataDir: path.resolve(e.TIANSHU_DATA_DIR),
    logLevel: e.LOG_LEVEL,
    session: {
      idleMinutes: e.TIANSHU_SESSION_IDLE_MINUTES,
      absoluteHours: e.TIANSHU_SESSION_ABSOLUTE_HOURS,
      cookieSecure: e.TIANSHU_COOKIE_SECURE ?? e.NODE_ENV === "production",
    },
    pbkdf2Iterations: e.TIANSHU_PBKDF2_ITERATIONS,
    authRateLimitPerMinute: e.TIANSHU_AUTH_RATE_LIMIT,
    bodyLimitKb: e.TIANSHU_BODY_LIMIT_KB,
    trustProxy: e.TIANSHU_TRUST_PROXY,
    initPasswords: {
      sysadmin: e.TIANSHU_INIT_PASSWORD_SYSADMIN,
      secadmin: e.TIANSHU_INIT_PASSWORD_SECADMIN,
      auditadmin: e.TIANSHU_INIT_PASSWORD_AUDITADMIN,
    },
    kek: e.TIANSHU_KEK,
    cryptoProfile: e.TIANSHU_CRYPTO_PROFILE,
    monitorsInProcess: e.TIANSHU_MONITORS === "on",
  };
}
