import type { OpenAPIRegistry, RouteConfig } from "@asteasolutions/zod-to-openapi";
import express, { type Request, type Response, type Router } from "express";
import type { Action, Subject } from "../../../policies/subjects";
import type { RequestContext } from "./context";
import { Forbidden, Invalid, PayloadTooLarge, Unauthorized, UnsupportedMediaType } from "./errors";
import { ProblemSchema, toOpenApiPath } from "./openapi";
import type { z } from "./zod";
import { fieldErrors } from "./zod-messages";

/**
 * Every route states who may call it when it is registered (ARCHITECTURE §4.2):
 * - `public`: anyone, e.g. login and health;
 * - `authenticated`: any signed-in account acting on itself (me, logout, own password); until the
 *   sign-in is complete (second factor, then a required password change) only routes that say so
 *   with allowDuringMfa / allowDuringPasswordChange answer;
 * - `ability`: the CASL (action, subject) the caller's role must hold; with `orApiClient`, a
 *   business app's API client holding that scope may call the same URL instead (the org feed);
 * - `apiClient`: only a business app by its API client credentials (the decision point).
 * The service still checks the loaded resource (tenant, conditions); this is the first gate.
 */
export type Access =
  | { public: true }
  | { authenticated: true; allowDuringPasswordChange?: boolean; allowDuringMfa?: boolean }
  | { ability: { action: Action; subject: Subject }; orApiClient?: { scope: ApiClientScope } }
  /** A business app by its API client credentials (Authorization: Bearer), holding `scope`. */
  | { apiClient: { scope: ApiClientScope } };

/**
 * What an API client may be given (secadmin picks from this closed list when creating one):
 * `authz:check` for the policy decision point, `org:read` for the org change feed, `watermark:read`
 * for the effective watermark and text marking (api/src/watermarks), `content:check` for the
 * sensitive-word check API (api/src/words), `signals:write` for pushing business signals to the
 * warning rules (api/src/alerts).
 */
export const API_CLIENT_SCOPES = [
  "authz:check",
  "org:read",
  "watermark:read",
  "content:check",
  "signals:write",
] as const;
export type ApiClientScope = (typeof API_CLIENT_SCOPES)[number];

/** The API-client scope a route accepts, whether only clients or also signed-in callers may use it. */
export function apiClientScopeOf(access: Access): ApiClientScope | undefined {
  if ("apiClient" in access) return access.apiClient.scope;
  if ("ability" in access) return access.orApiClient?.scope;
  return undefined;
}

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
  /** A raw (non-JSON) body, e.g. a CSV or XLSX upload: the handler gets it as `upload`. */
  upload?: UploadSpec;
  response: { status: number; description: string; schema?: R; headers?: Record<string, string> };
  /** Problem statuses this route can answer with, for the OpenAPI document. */
  problems?: number[];
  handler: (input: {
    params: z.output<P>;
    query: z.output<Q>;
    body: z.output<B>;
    /** Set when the route declares `upload`: the body bytes and their media type. */
    upload?: Upload;
    ctx: RequestContext;
    req: Request;
    res: Response;
  }) => Promise<z.input<R> | undefined>;
}

export interface UploadSpec {
  /** Accepted media types, e.g. ["text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]. */
  contentTypes: string[];
  maxBytes: number;
}

export interface Upload {
  buffer: Buffer;
  /** The media type without parameters, lower-case. */
  contentType: string;
  /** The charset parameter, if the client sent one (lower-case). */
  charset: string | undefined;
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
  415: "Unsupported media type",
  429: "Rate limited",
  503: "Database unavailable",
};

export class RouteTable {
  readonly routes: RegisteredRoute[] = [];
  private apiClientScheme = false;

  constructor(
    private readonly router: Router,
    private readonly registry: OpenAPIRegistry,
    private readonly recordDenial: DenialRecorder,
  ) {}

  add<P extends AnyObject, Q extends AnyObject, B extends z.ZodType, R extends z.ZodType>(
    def: RouteDef<P, Q, B, R>,
  ): void {
    if (
      !("public" in def.access) &&
      !("authenticated" in def.access) &&
      !("ability" in def.access) &&
      !("apiClient" in def.access)
    ) {
      throw new Error(`route ${def.operationId} declares no access`);
    }
    if (def.upload && def.body) throw new Error(`route ${def.operationId} declares both body and upload`);
    if (apiClientScopeOf(def.access) && !this.apiClientScheme) {
      this.registry.registerComponent("securitySchemes", "apiClient", { type: "http", scheme: "bearer" });
      this.apiClientScheme = true;
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
      const upload = def.upload ? await readUpload(req, res, def.upload) : undefined;
      const result = await def.handler({
        params: params as z.output<P>,
        query: query as z.output<Q>,
        body: body as z.output<B>,
        ...(upload ? { upload } : {}),
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
    if ("apiClient" in access) {
      if (!req.ctx.apiClient) {
        throw new Unauthorized(
          "API_CLIENT_REQUIRED",
          "Call this with an API client's credentials: Authorization: Bearer <id>.<secret>.",
          "请使用 API 客户端凭据调用（Authorization: Bearer <id>.<secret>）。",
        );
      }
      await this.requireScope(req, access.apiClient.scope);
      return;
    }
    // A route open to both: credentials in the Authorization header name the caller (the client
    // loader has already refused bad ones), so a business app is never judged by a stray cookie.
    const clientScope = apiClientScopeOf(access);
    if (clientScope && req.ctx.apiClient) {
      await this.requireScope(req, clientScope);
      return;
    }
    const principal = req.ctx.principal;
    if (!principal) {
      if (clientScope) {
        throw new Unauthorized(
          "UNAUTHENTICATED",
          "Sign in first, or call with an API client's credentials: Authorization: Bearer <id>.<secret>.",
          "请先登录，或使用 API 客户端凭据调用（Authorization: Bearer <id>.<secret>）。",
        );
      }
      throw new Unauthorized("UNAUTHENTICATED", "Sign in first.", "请先登录。");
    }
    // The second factor comes first, then the password change (the login `next` order).
    const allowDuringMfa = "authenticated" in access && access.allowDuringMfa === true;
    if (principal.mfaRequired && principal.mfaMethod === null && !allowDuringMfa) {
      throw new Forbidden(
        "MFA_REQUIRED",
        "Verify your second factor (or enrol one) before doing anything else.",
        "请先完成第二因素认证（或先绑定第二因素）。",
      );
    }
    const allowDuringChange = "authenticated" in access && access.allowDuringPasswordChange === true;
    if (principal.mustChangePassword && !allowDuringChange) {
      throw new Forbidden(
        "PASSWORD_CHANGE_REQUIRED",
        "Change your password (one-time, reset or expired) before doing anything else.",
        "请先修改密码（初始密码、重置后的密码或已过期的密码）。",
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

  /** Refuses (403, audited as a denial) an API client without `scope`. */
  private async requireScope(req: Request, scope: ApiClientScope): Promise<void> {
    if (req.ctx.apiClient?.scopes.includes(scope)) return;
    await this.recordDenial(req, `scope ${scope}`);
    throw new Forbidden("FORBIDDEN", `This API client lacks the ${scope} scope.`, "该 API 客户端无此权限范围。");
  }

  private openApiFor(def: RouteDef<AnyObject, AnyObject, z.ZodType, z.ZodType>): RouteConfig {
    const problemStatuses = new Set([400, 503, ...(def.upload ? [413, 415] : []), ...(def.problems ?? [])]);
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
      security: securityOf(def.access),
      request: {
        ...(def.params ? { params: def.params } : {}),
        ...(def.query ? { query: def.query } : {}),
        ...(def.body ? { body: { required: true, content: { "application/json": { schema: def.body } } } } : {}),
        ...(def.upload
          ? {
              body: {
                required: true,
                content: Object.fromEntries(
                  def.upload.contentTypes.map((t) => [t, { schema: { type: "string" as const, format: "binary" } }]),
                ),
              },
            }
          : {}),
      },
      responses,
      ...("ability" in def.access
        ? {
            "x-required-ability": def.access.ability,
            ...(def.access.orApiClient ? { "x-api-client-scope": def.access.orApiClient.scope } : {}),
          }
        : "apiClient" in def.access
          ? { "x-access": "apiClient", "x-api-client-scope": def.access.apiClient.scope }
          : { "x-access": "public" in def.access ? "public" : "authenticated" }),
    };
  }
}

/** OpenAPI security requirements: alternatives, so a route open to both lists both schemes. */
function securityOf(access: Access): RouteConfig["security"] {
  if ("public" in access) return [];
  if ("apiClient" in access) return [{ apiClient: [] }];
  return "ability" in access && access.orApiClient ? [{ session: [] }, { apiClient: [] }] : [{ session: [] }];
}

/**
 * Reads a raw body after the access guard (an anonymous caller never gets to upload): the media
 * type must be one the route accepts (415) and the size within its limit (413, also when the
 * declared Content-Length alone exceeds it, before reading a byte).
 */
async function readUpload(req: Request, res: Response, spec: UploadSpec): Promise<Upload> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (!spec.contentTypes.includes(type)) {
    throw new UnsupportedMediaType(
      "UNSUPPORTED_CONTENT_TYPE",
      `Send the file as one of: ${spec.contentTypes.join(", ")}.`,
      `文件类型须为：${spec.contentTypes.join("、")}。`,
    );
  }
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > spec.maxBytes) {
    throw new PayloadTooLarge(
      "BODY_TOO_LARGE",
      `The file is larger than ${spec.maxBytes} bytes.`,
      `文件超过 ${spec.maxBytes} 字节的上限。`,
    );
  }
  const parse = express.raw({ type: () => true, limit: spec.maxBytes });
  await new Promise<void>((resolve, reject) => parse(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers["content-type"] ?? "")?.[1]?.toLowerCase();
  return { buffer: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), contentType: type, charset };
}

function parseOrThrow(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  if (!schema) return undefined;
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) {
    throw new Invalid("VALIDATION_FAILED", `Invalid ${where}.`, "请求参数校验失败。", fieldErrors(parsed.error, where));
  }
  return parsed.data;
}
