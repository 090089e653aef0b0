import type { OpenAPIRegistry, RouteConfig } from "@asteasolutions/zod-to-openapi";
import type { Request, Response, Router } from "express";
import type { Action, Subject } from "../../../policies/subjects";
import type { RequestContext } from "./context";
import { Forbidden, Invalid, Unauthorized, UnsupportedMediaType } from "./errors";
import { ProblemSchema, toOpenApiPath } from "./openapi";
import type { z } from "./zod";
import { fieldErrors } from "./zod-messages";

/**
 * Every route states who may call it when it is registered (ARCHITECTURE §4.2):
 * - `public`: anyone, e.g. login and health;
 * - `authenticated`: any signed-in account acting on itself (me, logout, own password);
 * - `ability`: the CASL (action, subject) the caller's role must hold.
 * The service still checks the loaded resource (tenant, conditions); this is the first gate.
 */
export type Access =
  | { public: true }
  | { authenticated: true; allowDuringPasswordChange?: boolean }
  | { ability: { action: Action; subject: Subject } };

type Method = "get" | "post" | "put" | "patch" | "delete";
type AnyObject = z.ZodObject<z.ZodRawShape>;

export interface RouteDef<P extends AnyObject, Q extends AnyObject, B extends z.ZodType, R extends z.ZodType> {
  method: Method;
  path: string;
  operationId: string;
  summary: string;
  tags: string[];
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  response: { status: number; description: string; schema?: R; headers?: Record<string, string> };
  /** Problem statuses this route can answer with, for the OpenAPI document. */
  problems?: number[];
  handler: (input: {
    params: z.output<P>;
    query: z.output<Q>;
    body: z.output<B>;
    ctx: RequestContext;
    req: Request;
    res: Response;
  }) => Promise<z.input<R> | undefined>;
}

export interface RegisteredRoute {
  method: Method;
  path: string;
  operationId: string;
  access: Access;
}

/** Called when an authenticated caller is refused, so denials are audited (ARCHITECTURE §4.3). */
export type DenialRecorder = (req: Request, reason: string) => Promise<void>;

const STATUS_TEXT: Record<number, string> = {
  400: "Invalid input",
  401: "Not signed in",
  403: "Not allowed",
  404: "Not found",
  409: "Conflict",
  413: "Body too large",
  415: "Not JSON",
  429: "Rate limited",
  503: "Database unavailable",
};

export class RouteTable {
  readonly routes: RegisteredRoute[] = [];

  constructor(
    private readonly router: Router,
    private readonly registry: OpenAPIRegistry,
    private readonly recordDenial: DenialRecorder,
  ) {}

  add<P extends AnyObject, Q extends AnyObject, B extends z.ZodType, R extends z.ZodType>(
    def: RouteDef<P, Q, B, R>,
  ): void {
    if (!("public" in def.access) && !("authenticated" in def.access) && !("ability" in def.access)) {
      throw new Error(`route ${def.operationId} declares no access`);
    }
    this.routes.push({ method: def.method, path: def.path, operationId: def.operationId, access: def.access });
    this.registry.registerPath(this.openApiFor(def));
    this.router[def.method](def.path, async (req, res) => {
      await this.guard(req, def.access);
      const params = parseOrThrow(def.params, req.params, "params");
      const query = parseOrThrow(def.query, req.query, "query");
      let body: unknown;
      if (def.body) {
        if (!req.is("application/json")) {
          throw new UnsupportedMediaType(
            "NOT_JSON",
            "Send the body as application/json.",
            "请求体须为 application/json。",
          );
        }
        body = parseOrThrow(def.body, req.body, "body");
      }
      const result = await def.handler({
        params: params as z.output<P>,
        query: query as z.output<Q>,
        body: body as z.output<B>,
        ctx: req.ctx,
        req,
        res,
      });
      if (res.headersSent) return; // the handler streamed its own answer (metrics, documents)
      res.status(def.response.status);
      if (def.response.schema) {
        // The response passes the same kind of guard as the request: unknown fields are stripped,
        // so a store returning an extra column (a hash, a secret) cannot leak it.
        res.json(def.response.schema.parse(result));
      } else {
        res.end();
      }
    });
  }

  private async guard(req: Request, access: Access): Promise<void> {
    if ("public" in access) return;
    const principal = req.ctx.principal;
    if (!principal) {
      throw new Unauthorized("UNAUTHENTICATED", "Sign in first.", "请先登录。");
    }
    const allowDuringChange = "authenticated" in access && access.allowDuringPasswordChange === true;
    if (principal.mustChangePassword && !allowDuringChange) {
      throw new Forbidden(
        "PASSWORD_CHANGE_REQUIRED",
        "Change your one-time password before doing anything else.",
        "请先修改初始密码。",
      );
    }
    if ("ability" in access) {
      const { action, subject } = access.ability;
      if (!req.ctx.ability?.can(action, subject)) {
        await this.recordDenial(req, `${action} ${subject}`);
        throw new Forbidden("FORBIDDEN", `Your role may not ${action} ${subject}.`, "当前角色无权执行此操作。");
      }
    }
  }

  private openApiFor(def: RouteDef<AnyObject, AnyObject, z.ZodType, z.ZodType>): RouteConfig {
    const problemStatuses = new Set([400, 503, ...(def.problems ?? [])]);
    if (!("public" in def.access)) {
      problemStatuses.add(401);
      problemStatuses.add(403);
    }
    const responses: RouteConfig["responses"] = {
      [def.response.status]: {
        description: def.response.description,
        ...(def.response.schema ? { content: { "application/json": { schema: def.response.schema } } } : {}),
        ...(def.response.headers
          ? {
              headers: Object.fromEntries(
                Object.entries(def.response.headers).map(([name, description]) => [
                  name,
                  { description, schema: { type: "string" as const } },
                ]),
              ),
            }
          : {}),
      },
    };
    for (const status of [...problemStatuses].sort()) {
      responses[status] = {
        description: STATUS_TEXT[status] ?? "Error",
        content: { "application/problem+json": { schema: ProblemSchema } },
      };
    }
    return {
      method: def.method,
      path: toOpenApiPath(def.path),
      operationId: def.operationId,
      summary: def.summary,
      tags: def.tags,
      ...("public" in def.access ? { security: [] } : { security: [{ session: [] }] }),
      request: {
        ...(def.params ? { params: def.params } : {}),
        ...(def.query ? { query: def.query } : {}),
        ...(def.body ? { body: { required: true, content: { "application/json": { schema: def.body } } } } : {}),
      },
      responses,
      ...("ability" in def.access
        ? { "x-required-ability": def.access.ability }
        : { "x-access": "public" in def.access ? "public" : "authenticated" }),
    };
  }
}

function parseOrThrow(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  if (!schema) return undefined;
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) {
    throw new Invalid("VALIDATION_FAILED", `Invalid ${where}.`, "请求参数校验失败。", fieldErrors(parsed.error, where));
  }
  return parsed.data;
}
