import { ServiceUnavailable } from "../http/errors";
import type { RouteTable } from "../http/route";
import { z } from "../http/zod";
import type { Metrics } from "./metrics";

export interface Readiness {
  database: "up" | "down";
  pendingMigrations: string[];
}

const HealthResponse = z.object({ status: z.literal("ok") }).openapi("Health");
const ReadyResponse = z
  .object({ status: z.literal("ready"), database: z.literal("up"), pendingMigrations: z.array(z.string()).length(0) })
  .openapi("Ready");

export function registerObservabilityRoutes(
  routes: RouteTable,
  deps: { readiness: () => Promise<Readiness>; metrics: Metrics; openApiDocument: () => unknown },
): void {
  routes.add({
    method: "get",
    path: "/healthz",
    operationId: "health",
    summary: "Liveness: the process is up",
    tags: ["operations"],
    access: { public: true },
    response: { status: 200, description: "Up", schema: HealthResponse },
    async handler() {
      return { status: "ok" as const };
    },
  });

  routes.add({
    method: "get",
    path: "/readyz",
    operationId: "ready",
    summary: "Readiness: the database is reachable and its schema is current",
    tags: ["operations"],
    access: { public: true },
    response: { status: 200, description: "Ready", schema: ReadyResponse },
    async handler() {
      const r = await deps.readiness();
      if (r.database === "down") {
        throw new ServiceUnavailable("DATABASE_UNAVAILABLE", "The database is unreachable.", "数据库不可达。");
      }
      if (r.pendingMigrations.length > 0) {
        throw new ServiceUnavailable(
          "MIGRATIONS_PENDING",
          `Migrations not applied: ${r.pendingMigrations.join(", ")}. Run npm run migrate.`,
          "数据库结构未升级到当前版本，请执行 npm run migrate。",
        );
      }
      return { status: "ready" as const, database: "up" as const, pendingMigrations: [] };
    },
  });

  routes.add({
    method: "get",
    path: "/metrics",
    operationId: "metrics",
    summary: "Prometheus metrics (text exposition format)",
    tags: ["operations"],
    access: { public: true },
    response: { status: 200, description: "Prometheus text format" },
    async handler({ res }) {
      res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
      return undefined;
    },
  });

  routes.add({
    method: "get",
    path: "/api/openapi.json",
    operationId: "openapi",
    summary: "This OpenAPI 3.1 document",
    tags: ["operations"],
    access: { public: true },
    response: { status: 200, description: "OpenAPI 3.1 document" },
    async handler({ res }) {
      res.json(deps.openApiDocument());
      return undefined;
    },
  });
}
