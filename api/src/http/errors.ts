/**
 * Typed application errors, turned into RFC 9457 problem+json by one middleware (problem.ts).
 * Every error carries a stable machine code, an English detail and a Chinese message for the console.
 */
export interface FieldError {
  path: string;
  message: string;
  zh: string;
}

export abstract class AppError extends Error {
  abstract readonly status: number;
  abstract readonly title: string;
  constructor(
    readonly code: string,
    message: string,
    readonly zh: string,
    readonly errors?: FieldError[],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class Invalid extends AppError {
  readonly status = 400;
  readonly title = "Bad Request";
}
export class Unauthorized extends AppError {
  readonly status = 401;
  readonly title = "Unauthorized";
}
export class Forbidden extends AppError {
  readonly status = 403;
  readonly title = "Forbidden";
}
export class NotFound extends AppError {
  readonly status = 404;
  readonly title = "Not Found";
}
export class Conflict extends AppError {
  readonly status = 409;
  readonly title = "Conflict";
}
/** 428: a change to a versioned resource must say which version it was made against (If-Match). */
export class PreconditionRequired extends AppError {
  readonly status = 428;
  readonly title = "Precondition Required";
}
export class PayloadTooLarge extends AppError {
  readonly status = 413;
  readonly title = "Content Too Large";
}
export class UnsupportedMediaType extends AppError {
  readonly status = 415;
  readonly title = "Unsupported Media Type";
}
export class Locked extends AppError {
  readonly status = 423;
  readonly title = "Locked";
}
export class TooManyRequests extends AppError {
  readonly status = 429;
  readonly title = "Too Many Requests";
}
export class ServiceUnavailable extends AppError {
  readonly status = 503;
  readonly title = "Service Unavailable";
}
