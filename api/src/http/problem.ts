import type { ErrorRequestHandler, RequestHandler } from "express";
import type { Logger } from "pino";
import { isConnectionError } from "../db/pool";
import {
  AppError,
  type FieldError,
  Invalid,
  NotFound,
  PayloadTooLarge,
  ServiceUnavailable,
  UnsupportedMediaType,
} from "./errors";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  zh: string;
  instance?: string;
  errors?: FieldError[];
}

export function toProblem(err: AppError, instance?: string): Problem {
  return {
    type: `https://tianshu.dev/problems/${err.code.toLowerCase().replaceAll("_", "-")}`,
    title: err.title,
    status: err.status,
    detail: err.message,
    code: err.code,
    zh: err.zh,
    ...(instance ? { instance } : {}),
    ...(err.errors ? { errors: err.errors } : {}),
  };
}

/** Maps anything thrown to an AppError; unknown errors become a 500 that reveals nothing. */
export function classify(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  const e = err as { type?: string; status?: number };
  if (e?.type === "entity.too.large") {
    return new PayloadTooLarge("BODY_TOO_LARGE", "The request body is too large.", "请求体过大。");
  }
  if (e?.type === "entity.parse.failed") {
    return new Invalid("MALFORMED_JSON", "The request body is not valid JSON.", "请求体不是有效的 JSON。");
  }
  if (e?.type === "encoding.unsupported" || e?.type === "charset.unsupported") {
    return new UnsupportedMediaType(
      "UNSUPPORTED_ENCODING",
      "The request body encoding is not supported.",
      "不支持的请求体编码。",
    );
  }
  if (isConnectionError(err)) {
    return new ServiceUnavailable(
      "DATABASE_UNAVAILABLE",
      "The database is unavailable; try again later.",
      "数据库暂不可用，请稍后重试。",
    );
  }
  return null;
}

export function sendProblem(res: Parameters<RequestHandler>[1], problem: Problem): void {
  res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const known = classify(err);
    if (known) {
      if (known.status >= 500) req.log?.warn({ code: known.code }, known.message);
      sendProblem(res, toProblem(known, req.originalUrl.split("?")[0]));
      return;
    }
    // Database and programming errors are logged with the request id and never sent to the client.
    (req.log ?? logger).error({ err }, "unhandled error");
    sendProblem(res, {
      type: "https://tianshu.dev/problems/internal",
      title: "Internal Server Error",
      status: 500,
      detail: "An unexpected error occurred. Quote the request id when reporting it.",
      code: "INTERNAL",
      zh: "服务器内部错误，请提供请求编号联系管理员。",
    });
  };
}

export const apiNotFound: RequestHandler = (req, _res, next) => {
  next(new NotFound("ROUTE_NOT_FOUND", `No route for ${req.method} ${req.path}.`, "请求的接口不存在。"));
};
