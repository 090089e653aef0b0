/** An RFC 9457 problem document as the Tianshu API sends it (ARCHITECTURE §4.6). */
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  code?: string;
  /** Chinese message meant for the console. */
  zh?: string;
  /** Field-level details, e.g. the failed password-policy rules. */
  errors?: ProblemFieldError[];
}

export interface ProblemFieldError {
  path?: string | (string | number)[];
  message?: string;
  zh?: string;
}

/**
 * A failed API call. It carries `statusCode` and `message` so refine treats it as an HttpError, and keeps the
 * whole problem so the UI can pick the Chinese or English text at render time (the language may change later).
 */
export class ApiError extends Error {
  readonly statusCode: number;
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
    this.name = "ApiError";
    this.statusCode = problem.status;
    this.problem = problem;
  }

  get code(): string | undefined {
    return this.problem.code;
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

/** The message to show for a problem (or a field error) in the given UI language. */
export function localizedText(
  item: { zh?: string; detail?: string; title?: string; message?: string },
  locale: string,
): string | undefined {
  const english = item.detail ?? item.message ?? item.title;
  return locale === "zh-CN" ? (item.zh ?? english) : (english ?? item.zh);
}
