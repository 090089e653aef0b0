import { ApiError } from "./ApiError";
import { API_BASE, readProblem } from "./http";

/**
 * File transfers that are not JSON: an upload sent as the raw file body (CSV or XLSX, with its MIME type)
 * and a download read as a blob. Errors are the same problem documents as everywhere else.
 */

export async function uploadFile<T>(
  path: string,
  file: Blob,
  contentType: string,
  query?: URLSearchParams,
): Promise<T> {
  const search = query?.toString();
  const response = await fetch(`${API_BASE}${path}${search ? `?${search}` : ""}`, {
    method: "POST",
    credentials: "same-origin",
    headers: { Accept: "application/json, application/problem+json", "Content-Type": contentType },
    body: file,
  });
  if (!response.ok) throw new ApiError(await readProblem(response));
  return (await response.json()) as T;
}

/** The file name from Content-Disposition (RFC 6266 filename*=UTF-8'' first), else the fallback. */
export function filenameOf(disposition: string | null, fallback: string): string {
  if (!disposition) return fallback;
  const extended = /filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1];
  if (extended) {
    try {
      return decodeURIComponent(extended.trim());
    } catch {
      // A malformed escape: fall through to the plain name.
    }
  }
  return /filename="?([^";]+)"?/i.exec(disposition)?.[1]?.trim() || fallback;
}

export async function downloadFile(
  path: string,
  query: URLSearchParams,
  fallbackName: string,
): Promise<{ blob: Blob; filename: string }> {
  const search = query.toString();
  const response = await fetch(`${API_BASE}${path}${search ? `?${search}` : ""}`, {
    credentials: "same-origin",
    headers: { Accept: "*/*" },
  });
  if (!response.ok) throw new ApiError(await readProblem(response));
  return {
    blob: await response.blob(),
    filename: filenameOf(response.headers.get("content-disposition"), fallbackName),
  };
}
