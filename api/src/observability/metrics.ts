import type { RequestHandler } from "express";
import client from "prom-client";

export interface Metrics {
  registry: client.Registry;
  middleware: RequestHandler;
}

/** One registry per app instance (not prom-client's global), so several apps can live in one test process. */
export function createMetrics(): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: "tianshu_" });
  const duration = new client.Histogram({
    name: "tianshu_http_request_duration_seconds",
    help: "HTTP request duration by method, route template and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const middleware: RequestHandler = (req, res, next) => {
    const end = duration.startTimer();
    res.on("finish", () => {
      // The route template, never the raw URL: ids in paths would explode the label set.
      const route = req.route?.path ? String(req.route.path) : req.path.startsWith("/api/") ? "unmatched" : "static";
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
  return { registry, middleware };
}
