import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import type { Page } from "playwright-core";
import { adminAccount, openSignedIn, settled } from "./adminSession";
import { ARTIFACTS, useConsoleHarness } from "./harness";

/**
 * The audit retention & storage page against the real server in a real browser: auditadmin changes the
 * retention to 200 days (saved, still shown after a reload), is refused 179 days with the server's Chinese
 * reason (the law), lowers the limit and threshold so the near-limit warning shows; secadmin sees the same
 * page read-only (no edit button, and the server refuses a PUT anyway). Screenshots in zh-CN and English go
 * to test/e2e/artifacts/.
 */

const auditadmin = adminAccount("auditadmin");
const secadmin = adminAccount("secadmin");
const shot = (name: string) => path.join(ARTIFACTS, `${name}.png`);
/** A page loaded afresh (goto): its chunks and first queries may be slow on a loaded machine. */
const LOAD_MS = 60_000;

const harness = useConsoleHarness();

async function openPage(page: Page): Promise<void> {
  await page.goto(`${harness.server.baseUrl}/audit/settings`);
  await page.getByTestId("audit-settings-retention").waitFor({ timeout: LOAD_MS });
  await page.locator('[data-testid="audit-storage"][data-status]').waitFor({ timeout: LOAD_MS });
}

const retentionShown = async (page: Page) => page.getByTestId("audit-settings-retention").getAttribute("data-value");

async function editSettings(page: Page, values: { retention?: number; limitMiB?: number; threshold?: number }) {
  await page.getByTestId("audit-settings-edit").click();
  // The dialog focuses the retention field once it has opened: wait for that, or on a slow machine the focus
  // moves there while another field is being filled and the text lands in the wrong input.
  await page.waitForFunction(
    () => document.activeElement?.getAttribute("data-testid") === "audit-settings-retention-input",
  );
  const fill = async (testId: string, value: number | undefined) => {
    if (value !== undefined) await page.getByTestId(testId).fill(String(value));
  };
  await fill("audit-settings-retention-input", values.retention);
  await fill("audit-settings-limit-input", values.limitMiB);
  await fill("audit-settings-threshold-input", values.threshold);
  await page.getByTestId("audit-settings-save").click();
}

test(
  "auditadmin edits the retention, is refused below 180 days, sees storage and archives",
  { timeout: 240_000 },
  async () => {
    const session = await openSignedIn(harness.browser, harness.server.baseUrl, auditadmin, "zh-CN");
    await harness.inBrowser("audit-settings", session, async (page) => {
      await openPage(page);
      await page.getByTestId("menu-audit-settings").waitFor();
      assert.equal(await retentionShown(page), "184", "the default: six calendar months");
      assert.equal(await page.getByTestId("audit-settings-readonly").count(), 0);
      await page.getByTestId("audit-archives").getByText("暂无归档").waitFor();

      // 200 days: saved, and still there after a reload (read back from the server).
      await editSettings(page, { retention: 200 });
      await page.getByTestId("audit-settings-save").waitFor({ state: "hidden" });
      await page.locator('[data-testid="audit-settings-retention"][data-value="200"]').waitFor();
      await page.reload();
      await page.getByTestId("audit-settings-retention").waitFor({ timeout: LOAD_MS });
      assert.equal(await retentionShown(page), "200");
      assert.match((await page.getByTestId("audit-settings-version").textContent()) ?? "", /版本 2/);

      // 179 days: the server refuses with RETENTION_TOO_SHORT, shown in Chinese in the dialog; nothing saved.
      await editSettings(page, { retention: 179 });
      const problem = page.getByTestId("dialog-problem");
      await problem.waitFor();
      assert.equal(await problem.getAttribute("data-status"), "400");
      const text = (await problem.textContent()) ?? "";
      assert.match(text, /不得少于 180 天/, text);
      assert.match(text, /网络安全法/, text);
      await page.waitForTimeout(300);
      await page.screenshot({ path: shot("audit-settings-refused") });
      await page.keyboard.press("Escape");
      await problem.waitFor({ state: "hidden" });
      assert.equal(await retentionShown(page), "200", "the refused value was not saved");

      // Storage: a fresh log is far below 10 GiB; a 1 MiB limit with a 1% threshold raises the warning.
      const storage = page.getByTestId("audit-storage");
      assert.equal(await storage.getAttribute("data-status"), "ok");
      assert.equal(await page.getByTestId("audit-storage-alert").count(), 0);
      await page.getByTestId("audit-storage-progress").waitFor();
      await editSettings(page, { limitMiB: 1, threshold: 1 });
      await page.getByTestId("audit-settings-save").waitFor({ state: "hidden" });
      await page.locator('[data-testid="audit-settings-limit"][data-value="1048576"]').waitFor();
      await page.locator('[data-testid="audit-settings-threshold"][data-value="1"]').waitFor();
      assert.equal(await retentionShown(page), "200");
      await page.getByTestId("audit-storage-alert").waitFor();
      const status = await storage.getAttribute("data-status");
      assert.ok(status === "near_limit" || status === "over_limit", `status after lowering the limit: ${status}`);
      await settled(page);
      await page.screenshot({ path: shot("audit-settings"), fullPage: true });
    });
  },
);

test("the page in English, and secadmin's read-only copy", { timeout: 180_000 }, async () => {
  const english = await openSignedIn(harness.browser, harness.server.baseUrl, auditadmin, "en");
  await harness.inBrowser("audit-settings.en", english, async (page) => {
    await openPage(page);
    await page.getByText("Audit retention & storage", { exact: true }).first().waitFor();
    assert.equal((await page.getByTestId("audit-settings-retention").textContent())?.trim(), "200 days");
    await page.getByTestId("audit-settings-edit").getByText("Edit").waitFor();
    await page.getByText("No archives yet").waitFor();
    await settled(page);
    await page.screenshot({ path: shot("audit-settings.en"), fullPage: true });
  });

  const security = await openSignedIn(harness.browser, harness.server.baseUrl, secadmin, "zh-CN");
  await harness.inBrowser("audit-settings-secadmin", security, async (page) => {
    await openPage(page);
    await page.getByTestId("menu-audit-settings").waitFor();
    await page.getByTestId("audit-settings-readonly").waitFor();
    assert.equal(await page.getByTestId("audit-settings-edit").count(), 0, "no edit button for secadmin");
    assert.equal(await retentionShown(page), "200", "secadmin reads the audit admin's settings");
    assert.ok(await page.getByTestId("audit-storage-progress").isVisible());
    // The server refuses secadmin's change whatever the page shows.
    const res = await security.context.request.put(`${harness.server.baseUrl}/api/v1/audit/settings`, {
      data: { retentionDays: 365, storageLimitBytes: 1024 * 1024, alertThresholdPercent: 1 },
      headers: { "If-Match": '"2"' },
    });
    assert.equal(res.status(), 403);
    await settled(page);
    await page.screenshot({ path: shot("audit-settings-secadmin"), fullPage: true });
  });
});
