import { ApiError } from "../../api/ApiError";
import { filenameOf } from "../../api/files";
import { API_BASE, apiRequest, readProblem } from "../../api/http";
import {
  type AuditEventDetail,
  type AuditExport,
  type AuditFilter,
  type ChainStatus,
  cleanFilter,
  CsvRowCounter,
  type ExportFormat,
  type SavedSearch,
  type VerifyReport,
} from "./auditEvent";

/** The auditor's workspace API (docs/audit.md, "The auditor's workspace"); every error is an ApiError. */
export const auditApi = {
  event: (seq: string) => apiRequest<AuditEventDetail>(`/audit/events/${encodeURIComponent(seq)}`).then((r) => r.data),
  chainStatus: () => apiRequest<ChainStatus>("/audit/chain-status").then((r) => r.data),
  verify: () => apiRequest<VerifyReport>("/audit/verify").then((r) => r.data),
  createExport: (format: ExportFormat, filter: AuditFilter) =>
    apiRequest<AuditExport>("/audit/exports", { method: "POST", body: { format, filter: cleanFilter(filter) } }).then(
      (r) => r.data,
    ),
  savedSearches: () => {
    const query = new URLSearchParams({ _start: "0", _end: "200" });
    return apiRequest<SavedSearch[]>("/audit/saved-searches", { query }).then((r) => r.data);
  },
  saveSearch: (name: string, filter: AuditFilter) =>
    apiRequest<SavedSearch>("/audit/saved-searches", {
      method: "POST",
      body: { name, filter: cleanFilter(filter) },
    }).then((r) => r.data),
  deleteSearch: (id: string) =>
    apiRequest<void>(`/audit/saved-searches/${encodeURIComponent(id)}`, { method: "DELETE" }),
};

/** Progress of a download: rows for CSV (line breaks against X-Total-Count), bytes for XLSX. */
export interface DownloadProgress {
  unit: "rows" | "bytes";
  done: number;
  /** Rows expected (X-Total-Count) or bytes expected (Content-Length); null when the server did not say. */
  total: number | null;
}

async function fetchFile(path: string): Promise<Response> {
  const response = await fetch(`${API_BASE}${path}`, { credentials: "same-origin", headers: { Accept: "*/*" } });
  if (!response.ok) throw new ApiError(await readProblem(response));
  return response;
}

const headerNumber = (headers: Headers, name: string): number | null => {
  const value = headers.get(name);
  const n = value === null ? Number.NaN : Number(value);
  return Number.isFinite(n) ? n : null;
};

/**
 * GET /audit/exports/:id/file, read as a stream so the page can show how far it got. The bytes are kept as
 * they arrive (they are what the signature covers) and handed back as one Blob when the stream ends.
 */
export async function downloadExport(
  exp: Pick<AuditExport, "id" | "format" | "fileName">,
  onProgress: (progress: DownloadProgress) => void,
  signal?: AbortSignal,
): Promise<{ blob: Blob; filename: string; rows: number | null }> {
  const response = await fetch(`${API_BASE}/audit/exports/${encodeURIComponent(exp.id)}/file`, {
    credentials: "same-origin",
    headers: { Accept: "*/*" },
    signal,
  });
  if (!response.ok) throw new ApiError(await readProblem(response));
  const filename = filenameOf(
    response.headers.get("content-disposition"),
    exp.fileName ?? `audit-${exp.id}.${exp.format}`,
  );
  const type = response.headers.get("content-type") ?? "application/octet-stream";
  const csv = exp.format === "csv";
  const totalRows = headerNumber(response.headers, "x-total-count");
  const totalBytes = headerNumber(response.headers, "content-length");
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  const counter = new CsvRowCounter();
  const decoder = new TextDecoder("utf-8");
  let bytes = 0;
  const report = (finished: boolean) =>
    onProgress(
      csv
        ? { unit: "rows", done: counter.rows(finished), total: totalRows }
        : { unit: "bytes", done: bytes, total: totalBytes },
    );
  report(false);
  if (response.body) {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      bytes += value.byteLength;
      if (csv) counter.push(decoder.decode(value, { stream: true }));
      report(false);
    }
    if (csv) counter.push(decoder.decode());
  } else {
    const buffer = new Uint8Array(await response.arrayBuffer());
    chunks.push(buffer);
    bytes = buffer.byteLength;
    if (csv) counter.push(decoder.decode(buffer));
  }
  report(true);
  return { blob: new Blob(chunks, { type }), filename, rows: csv ? counter.rows(true) : null };
}

/** GET /audit/exports/:id/signature: the detached signature file (409 until a download completed). */
export async function downloadSignature(id: string, fallbackName: string): Promise<{ blob: Blob; filename: string }> {
  const response = await fetchFile(`/audit/exports/${encodeURIComponent(id)}/signature`);
  return {
    blob: await response.blob(),
    filename: filenameOf(response.headers.get("content-disposition"), fallbackName),
  };
}
