import { ApiError, type Problem } from "./ApiError";

/** Same-origin API root: the API serves the console, and `vite dev` proxies /api to it. */
export const API_BASE = "/api/v1";

export interface ApiResponse<T> {
  data: T;
  headers: Headers;
}

export interface ApiRequest {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  body?: unknown;
  query?: URLSearchParams;
  /** Extra request headers, e.g. `If-Match` for optimistic concurrency. */
  headers?: Record<string, string>;
}

/**
 * Every call goes through here: the session is an HttpOnly cookie, so credentials are always sent
 * (same-origin only), and any non-2xx answer becomes an ApiError carrying the problem document.
 */
export async function apiRequest<T>(path: string, request: ApiRequest = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { Accept: "application/json, application/problem+json", ...request.headers };
  if (request.body !== undefined) headers["Content-Type"] = "application/json";
  const search = request.query?.toString();
  const response = await fetch(`${API_BASE}${path}${search ? `?${search}` : ""}`, {
    method: request.method ?? "GET",
    credentials: "same-origin",
    headers,
    body: request.body === undefined ? undefined : JSON.stringify(request.body),
  });
  if (!response.ok) throw new ApiError(await readProblem(response));
  const data = response.status === 204 ? undefined : await readJson(response);
  return { data: data as T, headers: response.headers };
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  return text === "" ? undefined : JSON.parse(text);
}

/** A proxy or crash page may answer with HTML; still produce a problem so callers have one error shape. */
export async function readProblem(response: Response): Promise<Problem> {
  const fallback: Problem = { status: response.status, title: response.statusText || `HTTP ${response.status}` };
  try {
    const body = (await readJson(response)) as Partial<Problem> | undefined;
    return body && typeof body === "object" ? { ...fallback, ...body, status: response.status } : fallback;
  } catch {
    return fallback;
  }
}
