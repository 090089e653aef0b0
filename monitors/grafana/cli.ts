import fs from "node:fs";
import path from "node:path";
import { leadershipDashboard } from "./dashboard";
import { GrafanaError, pushDashboards } from "./client";

/**
 * `npm run grafana -- write`: writes the dashboards' JSON models to monitors/grafana/dashboards/ (for
 * Grafana's file provisioning, monitors/grafana/provisioning/). `npm run grafana -- push`: saves them
 * through the HTTP API of GRAFANA_URL with the service-account token in GRAFANA_TOKEN.
 * Exit status: 0 done, 1 refused (settings missing), 2 failed.
 */
export const DASHBOARDS_DIR = path.join(import.meta.dirname, "dashboards");

export function dashboardFiles(): Record<string, string> {
  return { "leadership.json": `${JSON.stringify(leadershipDashboard(), null, 2)}\n` };
}

async function main(command: string | undefined): Promise<number> {
  if (command === "write") {
    for (const [name, text] of Object.entries(dashboardFiles())) {
      fs.writeFileSync(path.join(DASHBOARDS_DIR, name), text);
      process.stdout.write(`wrote ${path.join(DASHBOARDS_DIR, name)}\n`);
    }
    return 0;
  }
  if (command === "push") {
    const url = process.env.GRAFANA_URL;
    const token = process.env.GRAFANA_TOKEN;
    if (!url || !token) {
      process.stderr.write(
        "set GRAFANA_URL and GRAFANA_TOKEN (a service-account token) / 请设置 GRAFANA_URL 与 GRAFANA_TOKEN\n",
      );
      return 1;
    }
    const pushed = await pushDashboards({ url, token });
    for (const p of pushed) process.stdout.write(`saved ${p.uid} (version ${p.version ?? "?"}) ${p.url ?? ""}\n`);
    return 0;
  }
  process.stderr.write("usage: npm run grafana -- write | push\n");
  return 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    process.exitCode = await main(process.argv[2]);
  } catch (err) {
    process.stderr.write(`grafana: ${err instanceof GrafanaError ? err.message : String(err)}\n`);
    process.exitCode = 2;
  }
}
