import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import express, { type Express } from "express";
import { rateLimit } from "express-rate-limit";
import helmet from "helmet";
import type { Logger } from "pino";
import { pinoHttp } from "pino-http";
import { actorOf, record } from "./audit/record";
import { registerAuditStorageMetrics } from "./audit/storage";
import { sessionLoader } from "./auth/middleware";
import { apiClientLoader } from "./authz/client-auth";
import { AUTH_RATE_LIMITED_PATHS } from "./auth/rate-limited";
import type { Config } from "./config";
import type { Db } from "./db/pool";
import { TooManyRequests } from "./http/errors";
import { TOTAL_COUNT_HEADER } from "./http/list";
import { buildOpenApiDocument, createRegistry } from "./http/openapi";
import { apiNotFound, problemHandler, sendProblem, toProblem } from "./http/problem";
import { PostgresRateLimitStore } from "./http/rate-limit-store";
import { RouteTable } from "./http/route";
import { registerMonitorMetrics } from "./monitors/metrics";
import { PUSH_PATH_PREFIX, pushRateLimit } from "./monitors/push-routes";
import { createMetrics } from "./observability/metrics";
import { type Readiness, registerObservabilityRoutes } from "./observability/routes";
import { registerDomainRoutes } from "./routes";
import type { Services } from "./services";

export interface AppDeps {
  config: Pick<Config, "session" | "authRateLimitPerMinute" | "bodyLimitKb" | "trustProxy">;
  logger: Logger;
  db: Db;
  services: Services;
  platformTenantId: string;
  readiness: () => Promise<Readiness>;
  /** The built console (console/dist); null serves the API only. */
  consoleDir: string | null;
  version: string;
}

export interface TianshuApp {
  app: Express;
  routes: RouteTable;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** Builds the Express app. No side effects: no listening, no timers, no global state. */
export function createApp(deps: AppDeps): TianshuApp {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", parseTrustProxy(deps.config.trustProxy));
  app.set("query parser", "simple");

  // Over plain HTTP (the local default) HSTS and upgrade-insecure-requests would break the console;
  // they are on whenever cookies are Secure, i.e. behind TLS.
  const tls = deps.config.session.cookieSecure;
  app.use(
    helmet({
      strictTransportSecurity: tls,
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: tls ? [] : null } },
    }),
  );
  app.use(
    pinoHttp({
      logger: deps.logger,
      // Reuse a well-formed id from the load balancer so one request is traceable end to end.
      genReqId: (req, res) => {
        const incoming = req.headers["x-request-id"];
        const id = typeof incoming === "string" && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
        res.setHeader("x-request-id", id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url === "/healthz" || req.url === "/metrics" },
      // Only what operations need: no headers, query strings, IPs or bodies (no personal data in
      // logs; who did what is the audit log's job, under its own access rules).
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          path: req.url.split("?")[0],
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  app.use((req, _res, next) => {
    req.ctx = {
      requestId: String(req.id),
      ip: req.ip ?? "",
      userAgent: req.get("user-agent")?.slice(0, 512) ?? null,
      principal: null,
      ability: null,
    };
    next();
  });
  const metrics = createMetrics();
  // Audit storage against its limit (api/src/audit/storage.ts).
  registerAuditStorageMetrics(metrics.registry, deps.db);
  registerMonitorMetrics(metrics.registry, deps.db);
  // Access-control rows failing their MAC check (api/src/authz/integrity.ts).
  metrics.registry.registerMetric(deps.services.aclGuard.counter);
  app.use(metrics.middleware);
  // The PDP takes batches of up to 1,000 checks: its own, larger limit (body-parser parses once).
  app.use("/api/v1/authz/check", express.json({ limit: "4mb", strict: true }));
  // Content checks take batches of up to 1,000 messages (docs/words.md "Check API"): 8 MB in all.
  app.use("/api/v1/content/check", express.json({ limit: "8mb", strict: true }));
  app.use(express.json({ limit: `${deps.config.bodyLimitKb}kb`, strict: true }));
  app.use(
    AUTH_RATE_LIMITED_PATHS,
    authRateLimit(deps.config.authRateLimitPerMinute, new PostgresRateLimitStore(deps.db, "auth:")),
  );
  // Push heartbeats: failed calls (bad token, unknown monitor) limited per address (monitors/push-routes.ts).
  app.use(PUSH_PATH_PREFIX, pushRateLimit(deps.db));
  app.use(["/api", "/readyz"], (_req, res, next) => {
    res.setHeader("cache-control", "no-store");
    res.setHeader("access-control-expose-headers", TOTAL_COUNT_HEADER);
    next();
  });
  app.use("/api", sessionLoader(deps.services));
  app.use("/api", apiClientLoader({ clients: deps.services.authzDomain.apiClients, db: deps.db }));

  const router = express.Router();
  const registry = createRegistry();
  const routes = new RouteTable(router, registry, async (req, reason) => {
    await record(deps.db, {
      ...actorOf(req.ctx),
      action: "authz.denied",
      targetType: "Route",
      targetId: `${req.method} ${req.route?.path ?? req.path}`,
      result: "denied",
      detail: { needed: reason },
    });
  });
  let openApi: unknown;
  registerObservabilityRoutes(routes, {
    readiness: deps.readiness,
    metrics,
    openApiDocument: () => {
      openApi ??= buildOpenApiDocument(registry, deps.version);
      return openApi;
    },
  });
  registerDomainRoutes(routes, deps);
  app.use(router);
  app.use("/api", apiNotFound);
  if (deps.consoleDir) serveConsole(app, deps.consoleDir);
  app.use(problemHandler(deps.logger));
  return { app, routes };
}

function authRateLimit(perMinute: number, store: PostgresRateLimitStore) {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    store,
    standardHeaders: "draft-8",
    legacyHeaders: false,
    handler: (req, res) =>
      sendProblem(
        res,
        toProblem(
          new TooManyRequests("RATE_LIMITED", "Too many attempts; wait a minute.", "尝试次数过多，请一分钟后再试。"),
          req.originalUrl,
        ),
      ),
  });
}

/** The console is a single-page app: unknown non-API paths get index.html. */
function serveConsole(app: Express, dir: string): void {
  const index = path.join(dir, "index.html");
  if (!fs.existsSync(index)) return;
  app.use(express.static(dir, { index: false, maxAge: "1h", immutable: false }));
  app.get(/^\/(?!api\/|api$|healthz$|readyz$|metrics$).*/, (_req, res) => {
    res.setHeader("cache-control", "no-cache");
    res.sendFile(index);
  });
}

function parseTrustProxy(value: string | undefined): boolean | number | string {
  if (value === undefined || value === "" || value === "false") return false;
  if (value === "true") return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}
