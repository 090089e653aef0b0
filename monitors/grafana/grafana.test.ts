import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { after, before, test } from "node:test";
import { DASHBOARDS_DIR, dashboardFiles } from "./cli";
import { GrafanaError, pushDashboards } from "./client";
import { DASHBOARD_UID, FOLDER_UID, leadershipDashboard, METRICS } from "./dashboard";

test("the provisioning files are what the code generates (npm run grafana -- write)", () => {
  for (const [name, text] of Object.entries(dashboardFiles())) {
    assert.equal(fs.readFileSync(path.join(DASHBOARDS_DIR, name), "utf8"), text, `${name} is stale`);
  }
});

test("the dashboard reads only the series Tianshu exports, and its panels fit the grid", () => {
  const model = leadershipDashboard() as {
    panels: { id: number; gridPos: { x: number; w: number }; targets: { expr: string }[] }[];
  };
  const known = new Set<string>(Object.values(METRICS));
  for (const p of model.panels) {
    for (const t of p.targets) {
      for (const name of t.expr.match(/tianshu_[a-z_]+/g) ?? []) assert.ok(known.has(name), `${name} in panel ${p.id}`);
    }
    assert.ok(p.gridPos.x + p.gridPos.w <= 24, `panel ${p.id} fits 24 columns`);
  }
  assert.equal(new Set(model.panels.map((p) => p.id)).size, model.panels.length, "panel ids are unique");
});

/** A stand-in for Grafana's HTTP API that records requests and answers as told. */
const requests: { method: string; url: string; auth: string | undefined; body: unknown }[] = [];
let folderExists = false;
let refuse = false;
let base = "";
let server: http.Server;

before(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      requests.push({
        method: req.method ?? "",
        url: req.url ?? "",
        auth: req.headers.authorization,
        body: text ? JSON.parse(text) : null,
      });
      const json = (status: number, body: unknown) =>
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      if (refuse) return json(401, { message: "invalid API key" });
      if (req.method === "GET" && req.url === `/grafana/api/folders/${FOLDER_UID}`) {
        return folderExists ? json(200, { uid: FOLDER_UID }) : json(404, { message: "folder not found" });
      }
      if (req.method === "POST" && req.url === "/grafana/api/folders") {
        folderExists = true;
        return json(200, { uid: FOLDER_UID });
      }
      if (req.method === "POST" && req.url === "/grafana/api/dashboards/db") {
        return json(200, { uid: DASHBOARD_UID, url: `/d/${DASHBOARD_UID}/x`, version: 3, status: "success" });
      }
      json(404, { message: "not found" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  // Under a sub-path, as Grafana behind a reverse proxy often is.
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/grafana`;
});
after(() => server.close());

test("push: creates the folder when missing, then saves the dashboard with overwrite, token in the header", async () => {
  requests.length = 0;
  const saved = await pushDashboards({ url: base, token: "glsa_secret" });
  assert.deepEqual(saved, [{ uid: DASHBOARD_UID, url: `/d/${DASHBOARD_UID}/x`, version: 3 }]);
  assert.deepEqual(
    requests.map((r) => `${r.method} ${r.url}`),
    [`GET /grafana/api/folders/${FOLDER_UID}`, "POST /grafana/api/folders", "POST /grafana/api/dashboards/db"],
  );
  assert.ok(requests.every((r) => r.auth === "Bearer glsa_secret"));
  const body = requests[2]?.body as { dashboard: { id: unknown; uid: string }; folderUid: string; overwrite: boolean };
  assert.equal(body.dashboard.id, null, "id null: saved by uid");
  assert.equal(body.dashboard.uid, DASHBOARD_UID);
  assert.equal(body.folderUid, FOLDER_UID);
  assert.equal(body.overwrite, true);

  requests.length = 0;
  await pushDashboards({ url: `${base}/`, token: "glsa_secret" });
  assert.deepEqual(
    requests.map((r) => `${r.method} ${r.url}`),
    [`GET /grafana/api/folders/${FOLDER_UID}`, "POST /grafana/api/dashboards/db"],
    "an existing folder is not created again",
  );
});

test("push: a refused token and an unreachable Grafana are clear errors that never show the token", async () => {
  refuse = true;
  try {
    await assert.rejects(pushDashboards({ url: base, token: "glsa_secret" }), (err: unknown) => {
      assert.ok(err instanceof GrafanaError);
      assert.equal(err.status, 401);
      assert.match(err.message, /service-account token/);
      assert.ok(!err.message.includes("glsa_secret"));
      return true;
    });
  } finally {
    refuse = false;
  }
  await assert.rejects(
    pushDashboards({ url: "http://127.0.0.1:9/", token: "glsa_secret", timeoutMs: 2_000 }),
    (err: unknown) => {
      assert.ok(err instanceof GrafanaError);
      assert.equal(err.status, null);
      assert.match(err.message, /unreachable/);
      assert.ok(!err.message.includes("glsa_secret"));
      return true;
    },
  );
});
