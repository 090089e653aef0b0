import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import type { APIRequestContext, Page } from "playwright-core";
import { adminAccount, openSignedIn } from "./adminSession";
import { ARTIFACTS, confirmOk, useConsoleHarness } from "./harness";

/**
 * The auditor's workspace against the real server in a real browser: sysadmin leaves a known trail (three
 * denied requests, a department renamed); auditadmin filters by role and result and sees exactly those rows
 * (the filter in the address bar), opens the rename with its before/after diff, exports the search as CSV
 * (the downloaded file has the expected rows, and its signature file says so too), saves the search and applies
 * it again, verifies the chain; secadmin's copy of the page shows only the audit admin's own events.
 * Screenshots in zh-CN and English go to test/e2e/artifacts/.
 */

const sysadmin = adminAccount("sysadmin");
const auditadmin = adminAccount("auditadmin");
const secadmin = adminAccount("secadmin");
const shot = (name: string) => path.join(ARTIFACTS, `${name}.png`);
/** Routes sysadmin is refused (no AuditEvent rule): each refusal is an authz.denied event with result denied. */
const DENIED_PATHS = ["/audit/events", "/audit/chain-status", "/audit/saved-searches"];
/** A page loaded afresh (goto): its chunks and first queries may be slow on a loaded machine. */
const LOAD_MS = 60_000;
const SAVED_NAME = "系统管理员被拒绝的操作";
let renamedSeq = "";

const harness = useConsoleHarness(async ({ browser, server }) => {
  const session = await openSignedIn(browser, server.baseUrl, sysadmin);
  try {
    const request = session.context.request;
    for (const url of DENIED_PATHS) {
      const res = await request.get(`${server.baseUrl}/api/v1${url}`);
      assert.equal(res.status(), 403, `sysadmin is refused ${url}`);
    }
    const dimension = await api<{ id: string }>(request, "post", "/dimensions", {
      data: { code: "admin", name: "行政架构", kind: "administrative" },
    });
    const dept = await api<{ id: string; version: number }>(request, "post", "/departments", {
      data: { dimensionId: dimension.id, parentId: null, name: "办公室" },
    });
    await api(request, "patch", `/departments/${dept.id}`, {
      data: { name: "综合办公室" },
      headers: { "If-Match": `"${dept.version}"` },
    });
  } finally {
    await session.close();
  }

  async function api<T>(request: APIRequestContext, method: "post" | "patch", url: string, init: object) {
    const res = await request[method](`${server.baseUrl}/api/v1${url}`, init);
    if (!res.ok()) throw new Error(`${method.toUpperCase()} ${url}: ${res.status()} ${await res.text()}`);
    return (await res.json()) as T;
  }
});

interface Row {
  seq: string;
  action: string;
  actor: string;
  role: string;
  result: string;
}

async function rows(page: Page): Promise<Row[]> {
  return page.getByTestId("audit-row").evaluateAll((nodes) =>
    nodes.map((row) => ({
      seq: row.getAttribute("data-seq") ?? "",
      action: row.getAttribute("data-action") ?? "",
      actor: row.getAttribute("data-actor") ?? "",
      role: row.getAttribute("data-actor-role") ?? "",
      result: row.getAttribute("data-result") ?? "",
    })),
  );
}

/** Waits until the table settles on rows satisfying `ok`, else fails with what it shows. */
async function expectRows(page: Page, what: string, ok: (rows: Row[]) => boolean): Promise<Row[]> {
  const deadline = Date.now() + LOAD_MS;
  let shown: Row[] = [];
  while (Date.now() < deadline) {
    const spinning = await page.getByTestId("audit-table").locator(".ant-spin-spinning").count();
    shown = await rows(page);
    if (spinning === 0 && ok(shown)) return shown;
    await page.waitForTimeout(200);
  }
  assert.fail(`${what}: the table shows ${JSON.stringify(shown)}`);
}

const isDeniedSysadmin = (shown: Row[]) =>
  shown.length === DENIED_PATHS.length &&
  shown.every(
    (r) => r.action === "authz.denied" && r.actor === "sysadmin" && r.role === "sysadmin" && r.result === "denied",
  );

async function pick(page: Page, testId: string, label: string): Promise<void> {
  await page.getByTestId(testId).click();
  await page.locator(".ant-select-dropdown:visible .ant-select-item-option").getByText(label, { exact: true }).click();
}

test(
  "auditadmin searches, opens a diff, exports a signed CSV, saves and re-applies a search",
  { timeout: 240_000 },
  async () => {
    const session = await openSignedIn(harness.browser, harness.server.baseUrl, auditadmin, "zh-CN");
    await harness.inBrowser("audit-workspace", session, async (page) => {
      await page.goto(`${harness.server.baseUrl}/audit/events`);
      await page.getByTestId("audit-row").first().waitFor({ timeout: LOAD_MS });
      await page.getByTestId("audit-chain-head").waitFor();

      // Filter by role and result with the form: exactly the three refusals, and the filter is in the address.
      await pick(page, "audit-role", "系统管理员");
      await pick(page, "audit-result", "拒绝");
      await page.getByTestId("audit-search-submit").click();
      await page.waitForURL(/role=sysadmin/);
      assert.match(page.url(), /result=denied/);
      await expectRows(page, "role sysadmin + result denied", isDeniedSysadmin);
      await page.getByText(`共 ${DENIED_PATHS.length} 条`).waitFor();
      await page.screenshot({ path: shot("audit-workspace"), fullPage: true });

      // Invalid input: the server's problem (400) is shown in Chinese, nothing else breaks.
      await page.getByTestId("audit-ip").fill("10.0.0.0/99");
      await page.getByTestId("audit-search-submit").click();
      const problem = page.getByTestId("audit-problem");
      await problem.waitFor();
      assert.equal(await problem.getAttribute("data-status"), "400");
      assert.match((await problem.textContent()) ?? "", /[\u4e00-\u9fff]/);
      await page.getByTestId("audit-ip").fill("");
      await page.getByTestId("audit-search-submit").click();
      await problem.waitFor({ state: "detached" });
      await expectRows(page, "back to the valid search", isDeniedSysadmin);

      // Export the search as CSV: the downloaded file has one line per row plus the header.
      const csvDownload = page.waitForEvent("download");
      await page.getByTestId("audit-export-csv").click();
      const csvFile = await csvDownload;
      const state = page.getByTestId("audit-export-state");
      await page.locator('[data-testid="audit-export-state"][data-stage="done"]').waitFor();
      assert.equal(await state.getAttribute("data-rows"), String(DENIED_PATHS.length), "rows counted while streaming");
      const csv = (await readFile(await csvFile.path(), "utf8")).replace(/^\uFEFF/, "");
      const lines = csv.split(/\r?\n/).filter((line) => line !== "");
      assert.equal(lines.length, 1 + DENIED_PATHS.length, `header + ${DENIED_PATHS.length} rows:\n${csv}`);
      assert.ok(
        lines.slice(1).every((line) => line.includes("authz.denied") && line.includes("sysadmin")),
        `only the searched events are exported:\n${csv}`,
      );
      assert.match(csvFile.suggestedFilename(), /\.csv$/);
      await page.screenshot({ path: shot("audit-export") });

      // The signature file of that download names the same row count and the filter.
      const sigDownload = page.waitForEvent("download");
      await page.getByTestId("audit-export-signature").click();
      const sigFile = await sigDownload;
      assert.equal(sigFile.suggestedFilename(), `${csvFile.suggestedFilename()}.sig.json`);
      const signature = JSON.parse(await readFile(await sigFile.path(), "utf8")) as {
        rows: number;
        filter: Record<string, unknown>;
        signature: string;
      };
      assert.equal(signature.rows, DENIED_PATHS.length);
      assert.deepEqual(
        { role: signature.filter.role, result: signature.filter.result },
        { role: "sysadmin", result: "denied" },
      );
      assert.match(signature.signature, /^[0-9a-f]+$/);
      await page.getByTestId("audit-export-signature-saved").waitFor();
      await page.getByTestId("audit-export-close").click();
      await page.getByTestId("audit-export-state").waitFor({ state: "hidden" });

      // The same search as Excel: progress in bytes, a real XLSX (a zip) arrives.
      const xlsxDownload = page.waitForEvent("download");
      await page.getByTestId("audit-export-xlsx").click();
      const xlsxFile = await xlsxDownload;
      await page.locator('[data-testid="audit-export-state"][data-stage="done"]').waitFor();
      assert.match(xlsxFile.suggestedFilename(), /\.xlsx$/);
      const xlsx = await readFile(await xlsxFile.path());
      assert.equal(xlsx.subarray(0, 2).toString("latin1"), "PK", "an XLSX file is a zip archive");
      await page.getByTestId("audit-export-close").click();
      await page.getByTestId("audit-export-state").waitFor({ state: "hidden" });

      // Save the search, clear the form, then apply the saved search again.
      await page.getByTestId("audit-save-search").click();
      await page.getByTestId("audit-save-name").fill(SAVED_NAME);
      await page.getByTestId("audit-save-ok").click();
      const saved = page.locator(`[data-testid="audit-saved-item"][data-name="${SAVED_NAME}"]`);
      await saved.waitFor();
      await page.getByTestId("audit-search-reset").click();
      await page.waitForURL((url) => !url.search.includes("role="));
      await expectRows(page, "no filter", (shown) => shown.some((r) => r.result !== "denied"));
      await saved.click();
      await page.waitForURL(/role=sysadmin/);
      assert.match(page.url(), /result=denied/);
      await expectRows(page, "the saved search applied", isDeniedSysadmin);

      // The rename's detail: the changed fields with before and after, every row marked as changed.
      await page.goto(`${harness.server.baseUrl}/audit/events?action=department.update`);
      const [rename] = await expectRows(
        page,
        "the rename",
        (shown) => shown.length === 1 && shown[0]?.action === "department.update",
      );
      renamedSeq = rename?.seq ?? "";
      await page.getByTestId("audit-row").first().click();
      await page.waitForURL(new RegExp(`seq=${renamedSeq}`));
      const nameRow = page.locator('[data-testid="audit-diff-row"][data-path="name"]');
      await nameRow.waitFor();
      const nameText = (await nameRow.textContent()) ?? "";
      assert.ok(nameText.includes("办公室") && nameText.includes("综合办公室"), `name before/after: ${nameText}`);
      const changed = await page
        .getByTestId("audit-diff-row")
        .evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-changed")));
      assert.ok(changed.length >= 1 && changed.every((c) => c === "true"), `diff rows: ${JSON.stringify(changed)}`);
      await page.waitForTimeout(400); // the drawer's slide-in
      await page.screenshot({ path: shot("audit-event-detail") });
      await page.keyboard.press("Escape");
      await page.waitForURL((url) => !url.search.includes("seq="));

      // Verify now: the whole chain recomputed on the server, shown as intact.
      await page.getByTestId("audit-verify").click();
      const verdict = page.getByTestId("audit-verify-result");
      await verdict.waitFor({ timeout: 60_000 });
      assert.equal(await verdict.getAttribute("data-ok"), "true", (await verdict.textContent()) ?? "");
      await page.screenshot({ path: shot("audit-verify") });

      // Delete the saved search.
      await saved.locator(".ant-tag-close-icon").click();
      await confirmOk(page);
      await saved.waitFor({ state: "detached" });
    });
  },
);

test(
  "the workspace in English, and secadmin's copy limited to the audit admin's events",
  { timeout: 120_000 },
  async () => {
    assert.ok(renamedSeq, "the previous test found the rename");
    const english = await openSignedIn(harness.browser, harness.server.baseUrl, auditadmin, "en");
    await harness.inBrowser("audit-workspace.en", english, async (page) => {
      await page.goto(`${harness.server.baseUrl}/audit/events?role=sysadmin&result=denied`);
      await expectRows(page, "the search from the address bar", isDeniedSysadmin);
      await page.getByText(`${DENIED_PATHS.length} in total`).waitFor();
      await page.getByText("Verify now").waitFor();
      await page.screenshot({ path: shot("audit-workspace.en"), fullPage: true });

      // A time range from the address bar: shown in Beijing time (the browser runs in UTC), and applied.
      await page.goto(
        `${harness.server.baseUrl}/audit/events?from=2026-01-01T00:00:00.000Z&to=2026-01-02T00:00:00.000Z`,
      );
      await page.getByTestId("audit-table").locator(".ant-empty").waitFor({ timeout: LOAD_MS });
      const range = await page
        .getByTestId("audit-filters")
        .locator(".ant-picker-range input")
        .evaluateAll((inputs) => inputs.map((input) => (input as HTMLInputElement).value));
      assert.deepEqual(range, ["2026-01-01 08:00", "2026-01-02 08:00"]);
      await expectRows(page, "no event on 1 January", (shown) => shown.length === 0);
      assert.equal(await page.getByTestId("audit-problem").count(), 0, "the range was accepted");
      await page.goto(`${harness.server.baseUrl}/audit/events?seq=${renamedSeq}`);
      await page.locator('[data-testid="audit-diff-row"][data-path="name"]').waitFor({ timeout: LOAD_MS });
      await page.getByText("Before", { exact: true }).waitFor();
      await page.waitForTimeout(400);
      await page.screenshot({ path: shot("audit-event-detail.en") });
    });

    const security = await openSignedIn(harness.browser, harness.server.baseUrl, secadmin, "zh-CN");
    await harness.inBrowser("auditor-events", security, async (page) => {
      await page.goto(`${harness.server.baseUrl}/security/auditor-events`);
      // The audit admin exported and saved searches above: those events, and nobody else's.
      const shown = await expectRows(
        page,
        "the audit admin's events only",
        (r) => r.length > 0 && r.some((row) => row.action === "audit.export.create"),
      );
      assert.ok(
        shown.every((row) => row.role === "auditadmin"),
        `secadmin sees only the audit admin's events: ${JSON.stringify(shown)}`,
      );
      assert.equal(await page.getByTestId("audit-verify").count(), 0, "verifying the chain is the audit admin's");
      await page.screenshot({ path: shot("auditor-events"), fullPage: true });
      // The rename is sysadmin's: not visible to secadmin, not even by its seq (404, like a missing event).
      await page.goto(`${harness.server.baseUrl}/security/auditor-events?seq=${renamedSeq}`);
      const problem = page.getByTestId("audit-detail-problem");
      await problem.waitFor({ timeout: LOAD_MS });
      assert.equal(await problem.getAttribute("data-status"), "404");
      await page.screenshot({ path: shot("auditor-events-404") });
    });
  },
);
