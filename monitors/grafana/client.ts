import { FOLDER_TITLE, FOLDER_UID, leadershipDashboard } from "./dashboard";

/**
 * Pushes the dashboards through Grafana's HTTP API (docs/monitors.md, "Grafana") when GRAFANA_URL and
 * a service-account token are set: the folder is created if missing, then each dashboard is saved
 * with overwrite (it is generated, so the copy in Grafana is replaced, not merged). The token goes
 * only in the Authorization header and never into errors or logs.
 */
export class GrafanaError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

export interface GrafanaTarget {
  url: string;
  token: string;
  timeoutMs?: number;
}

async function call(target: GrafanaTarget, method: string, path: string, body?: unknown): Promise<Response> {
  const url = new URL(path, target.url.endsWith("/") ? target.url : `${target.url}/`);
  try {
    return await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${target.token}`,
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: "error",
      signal: AbortSignal.timeout(target.timeoutMs ?? 10_000),
    });
  } catch (err) {
    throw new GrafanaError(`Grafana at ${url.origin} is unreachable: ${(err as Error).message}`, null);
  }
}

async function failure(res: Response, what: string): Promise<GrafanaError> {
  const text = (await res.text().catch(() => "")).slice(0, 300);
  const hint =
    res.status === 401 || res.status === 403
      ? " (check the service-account token and its role: Editor or a dashboards:write permission)"
      : "";
  return new GrafanaError(`${what}: HTTP ${res.status}${hint} ${text}`.trim(), res.status);
}

async function ensureFolder(target: GrafanaTarget): Promise<void> {
  const found = await call(target, "GET", `api/folders/${FOLDER_UID}`);
  if (found.ok) return;
  if (found.status !== 404) throw await failure(found, "reading the Grafana folder");
  const created = await call(target, "POST", "api/folders", { uid: FOLDER_UID, title: FOLDER_TITLE });
  // 409/412: created meanwhile by another instance — fine.
  if (!created.ok && created.status !== 409 && created.status !== 412) {
    throw await failure(created, "creating the Grafana folder");
  }
}

export interface PushResult {
  uid: string;
  url: string | null;
  version: number | null;
}

export async function pushDashboards(target: GrafanaTarget): Promise<PushResult[]> {
  await ensureFolder(target);
  const results: PushResult[] = [];
  for (const dashboard of [leadershipDashboard()]) {
    const res = await call(target, "POST", "api/dashboards/db", {
      dashboard: { ...dashboard, id: null },
      folderUid: FOLDER_UID,
      overwrite: true,
      message: "Provisioned by Tianshu",
    });
    if (!res.ok) throw await failure(res, `saving dashboard ${String(dashboard.uid)}`);
    const saved = (await res.json()) as { uid?: string; url?: string; version?: number };
    results.push({ uid: saved.uid ?? String(dashboard.uid), url: saved.url ?? null, version: saved.version ?? null });
  }
  return results;
}
