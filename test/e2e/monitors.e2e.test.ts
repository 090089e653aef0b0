import assert from "node:assert/strict";
import { copyFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { after, test } from "node:test";
import type { APIRequestContext, Page } from "playwright-core";
import { adminAccount, openSignedIn, settled } from "./adminSession";
import { ARTIFACTS, clickUntilGone, confirmOk, useConsoleHarness } from "./harness";

/**
 * The monitors pages against the real server, its real prober and a local HTTP target started here:
 * sysadmin creates an HTTP monitor with a keyword condition, tests it now, waits for the prober's results
 * on the monitor's page (state, results, SLA), sets a dependency and sees a cycle refused, pauses it, and
 * creates a weekly maintenance window with its next occurrences previewed. Then the pages in English, with
 * an app created. Screenshots go to test/e2e/artifacts/ and /tmp/monitors-*.png.
 */

const sysadmin = adminAccount("sysadmin");
const LOAD_MS = 60_000;
/** The prober runs a 10 s monitor within about one interval (jitter included); allow a loaded machine. */
const PROBE_MS = 90_000;

let target: http.Server;
let targetUrl = "";
/** The Authorization header of every probe of the portal's URL. */
const authorizations: string[] = [];

async function post<T>(request: APIRequestContext, url: string, data: object): Promise<T> {
  const res = await request.post(`${harness.server.baseUrl}/api/v1${url}`, { data });
  if (!res.ok()) throw new Error(`POST ${url}: ${res.status()} ${await res.text()}`);
  return (await res.json()) as T;
}

const harness = useConsoleHarness(async (h) => {
  target = http.createServer((req, res) => {
    if (req.url === "/health") authorizations.push(req.headers.authorization ?? "");
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ status: "tianshu-ok", path: req.url }));
  });
  await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/health`;
  // The platform service the portal will depend on, made through the API.
  const session = await openSignedIn(h.browser, h.server.baseUrl, sysadmin);
  try {
    const port = (target.address() as AddressInfo).port;
    await post(session.context.request, "/monitors", {
      type: "tcp",
      name: "统一身份认证",
      intervalSeconds: 60,
      host: "127.0.0.1",
      port,
    });
  } finally {
    await session.close();
  }
});
after(() => new Promise<void>((resolve) => (target ? target.close(() => resolve()) : resolve())));

async function shot(page: Page, name: string, fullPage = true): Promise<void> {
  await settled(page);
  await page.evaluate(() => window.scrollTo(0, 0)); // the sticky header would be drawn mid-page
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  await copyFile(file, `/tmp/${name}.png`);
}

/** A dialog as it is (no settling: the dialog is the subject). */
async function dialogShot(page: Page, name: string): Promise<void> {
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  await copyFile(file, `/tmp/${name}.png`);
}

const row = (page: Page, testId: string, name: string) =>
  page.locator(`[data-testid="${testId}"][data-name="${name}"]`);

async function pickOption(page: Page, testId: string, label: string): Promise<void> {
  await page.getByTestId(testId).click();
  await page.locator(".ant-select-dropdown:visible .ant-select-item-option").filter({ hasText: label }).first().click();
}

test("sysadmin creates, tests, watches and pauses an HTTP monitor", { timeout: 420_000 }, async () => {
  const session = await openSignedIn(harness.browser, harness.server.baseUrl, sysadmin, "zh-CN");
  await harness.inBrowser("monitors", session, async (page) => {
    await page.goto(`${harness.server.baseUrl}/system/monitors`);
    await page.getByTestId("page-monitors").waitFor({ timeout: LOAD_MS });
    await row(page, "monitor-row", "统一身份认证").waitFor({ timeout: LOAD_MS });

    // A refused definition: the server's field error stays in the dialog, in Chinese.
    await page.getByTestId("monitor-create").click();
    await page.waitForFunction(() => document.activeElement?.getAttribute("data-testid") === "monitor-name");
    await page.getByTestId("monitor-name").fill("门户健康检查");
    await page.getByTestId("monitor-url").fill("ftp://127.0.0.1/health");
    await page.getByTestId("monitor-save").click();
    const problem = page.getByTestId("dialog-problem");
    await problem.waitFor();
    assert.match((await problem.textContent()) ?? "", /只能监控 http:\/\/ 或 https:\/\/ 地址/);
    await dialogShot(page, "monitors-form");

    // The real one: every 10 s, the body must contain a keyword, tagged.
    await page.getByTestId("monitor-url").fill(targetUrl);
    await page.getByTestId("monitor-interval").fill("10");
    await page.getByTestId("monitor-keyword").fill("tianshu-ok");
    await page.getByTestId("monitor-add-header").click();
    await page.getByTestId("monitor-header-name").fill("Authorization");
    await page.getByTestId("monitor-header-value").fill("Bearer s3cret-token");
    await page.getByTestId("monitor-tags").locator("input").fill("门户");
    await page.keyboard.press("Enter");
    await page.getByTestId("monitor-save").click();
    await page.getByTestId("monitor-save").waitFor({ state: "hidden" });
    const portal = row(page, "monitor-row", "门户健康检查");
    await portal.waitFor();
    assert.match((await portal.textContent()) ?? "", /GET http:\/\/127\.0\.0\.1:\d+\/health/);

    // 立即测试: the probe runs once and its answer is shown.
    await portal.getByTestId("monitor-test").click();
    const result = page.getByTestId("monitor-test-result");
    await page.waitForFunction(
      () => document.querySelector('[data-testid="monitor-test-result"]')?.getAttribute("data-state") === "up",
    );
    assert.match((await result.textContent()) ?? "", /正常/);
    await dialogShot(page, "monitors-test");
    await clickUntilGone(page.getByTestId("monitor-test-close"));

    // The prober writes results: the row turns up (the list refreshes itself every 15 s).
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="monitor-row"][data-name="门户健康检查"]')?.getAttribute("data-state") ===
        "up",
      undefined,
      { timeout: PROBE_MS },
    );
    await shot(page, "monitors-list");

    // The monitor's page: state, results, SLA of the month.
    await portal.getByTestId("monitor-link").click();
    await page.getByTestId("page-monitor").waitFor();
    assert.equal(await page.getByTestId("monitor-detail-state").getAttribute("data-state"), "up");
    await page.getByTestId("result-row").first().waitFor({ timeout: PROBE_MS });
    assert.equal(await page.getByTestId("result-row").first().getAttribute("data-state"), "up");
    const sla = page.getByTestId("monitor-sla");
    await sla.getByText("可用率").first().waitFor();
    assert.match((await sla.textContent()) ?? "", /\d+\.\d{3}%/);
    await page.getByTestId("monitor-sla-period").getByText("本周").click();

    // Dependencies: the portal depends on the identity service…
    await pickOption(page, "dependencies-select", "统一身份认证");
    await page.keyboard.press("Escape");
    await page.getByTestId("dependencies-save").click();
    await page.getByText("依赖已保存").waitFor();
    await shot(page, "monitors-detail");

    // …so the identity service cannot depend on the portal: the cycle is refused, in Chinese.
    const dependents = page.getByTestId("dependencies-dependents");
    assert.doesNotMatch((await dependents.textContent()) ?? "", /门户/);
    await page.goto(`${harness.server.baseUrl}/system/monitors`);
    await row(page, "monitor-row", "统一身份认证").getByTestId("monitor-link").click();
    await page.getByTestId("page-monitor").waitFor();
    await page.getByTestId("dependencies-dependents").getByText("门户健康检查").waitFor();
    await pickOption(page, "dependencies-select", "门户健康检查");
    await page.keyboard.press("Escape");
    await page.getByTestId("dependencies-save").click();
    const cycle = page.getByTestId("dependencies-problem");
    await cycle.waitFor();
    const cycleText = (await cycle.textContent()) ?? "";
    assert.match(cycleText, /形成循环：统一身份认证 → 门户健康检查 → 统一身份认证/, cycleText);
    await page.goBack();

    // Pause from the monitor's page: the badge says so.
    await page.goto(`${harness.server.baseUrl}/system/monitors`);
    await portal.getByTestId("monitor-link").click();
    await page.getByTestId("monitor-pause").click();
    await page.getByTestId("monitor-resume").waitFor();
    assert.equal(await page.getByTestId("monitor-detail-state").getAttribute("data-state"), "paused");

    // A weekly maintenance window for the portal, its next occurrences previewed before saving.
    await page.goto(`${harness.server.baseUrl}/system/monitors?tab=maintenance`);
    await page.getByTestId("maintenance-create").click();
    await page.waitForFunction(() => document.activeElement?.getAttribute("data-testid") === "maintenance-name");
    await page.getByTestId("maintenance-name").fill("每周六晚间维护");
    await pickOption(page, "maintenance-monitors", "门户健康检查");
    await page.keyboard.press("Escape");
    await page.getByTestId("maintenance-weekdays").getByText("周三").click();
    const preview = page.getByTestId("maintenance-preview");
    await page.waitForFunction(
      () => document.querySelector('[data-testid="maintenance-preview"]')?.getAttribute("data-count") === "5",
    );
    const occurrences = await page.getByTestId("maintenance-occurrence").allTextContents();
    assert.equal(occurrences.length, 5);
    for (const o of occurrences) assert.match(o, /22:00 – \d{4}-\d{2}-\d{2} 00:00/, o);
    await preview.scrollIntoViewIfNeeded();
    await dialogShot(page, "monitors-maintenance-form");
    await page.getByTestId("maintenance-save").click();
    await page.getByTestId("maintenance-save").waitFor({ state: "hidden" });
    const window = row(page, "maintenance-row", "每周六晚间维护");
    await window.waitFor();
    const text = (await window.textContent()) ?? "";
    assert.match(text, /每周 周三、周六 22:00/, text);
    assert.match(text, /持续 120 分钟/, text);
    assert.match(text, /门户健康检查/, text);
    await shot(page, "monitors-maintenance");
  });
});

test("the pages in English: apps, a monitor's state and deleting it", { timeout: 240_000 }, async () => {
  const english = await openSignedIn(harness.browser, harness.server.baseUrl, sysadmin, "en");
  await harness.inBrowser("monitors.en", english, async (page) => {
    await page.goto(`${harness.server.baseUrl}/system/monitors?tab=apps`);
    await page.getByTestId("page-monitors").waitFor({ timeout: LOAD_MS });
    await page.getByTestId("app-create").click();
    await page.waitForFunction(() => document.activeElement?.getAttribute("data-testid") === "app-name");
    await page.getByTestId("app-name").fill("Identity platform");
    await page.getByText("Platform service", { exact: true }).click();
    await page.getByTestId("app-save").click();
    await page.getByTestId("app-save").waitFor({ state: "hidden" });
    const app = row(page, "app-row", "Identity platform");
    await app.waitFor();
    assert.match((await app.textContent()) ?? "", /Platform service.*99\.900%/);

    await page.getByTestId("tab-monitors").click();
    const portal = row(page, "monitor-row", "门户健康检查");
    await portal.waitFor();
    assert.equal(await portal.getAttribute("data-state"), "paused");
    assert.match((await portal.getByTestId("monitor-state").textContent()) ?? "", /Paused/);
    await shot(page, "monitors-en");

    // Edit: the credential header comes back masked; saving with the mask keeps it (the target saw it).
    await portal.getByTestId("monitor-more").click();
    await page.locator(".ant-dropdown:visible").getByText("Edit", { exact: true }).click();
    const headerValue = page.getByTestId("monitor-header-value");
    await page.waitForFunction(
      () =>
        (document.querySelector('[data-testid="monitor-header-value"]') as HTMLInputElement | null)?.value === "******",
    );
    assert.equal(await headerValue.inputValue(), "******");
    await page.getByTestId("monitor-interval").fill("30");
    await page.getByTestId("monitor-save").click();
    await page.getByTestId("monitor-save").waitFor({ state: "hidden" });
    await portal.getByTestId("monitor-link").click();
    await page.getByTestId("page-monitor").getByText("30 s", { exact: true }).waitFor();
    await page.getByTestId("monitor-detail-test").click();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="monitor-test-result"]')?.getAttribute("data-state") === "up",
    );
    assert.deepEqual(
      authorizations.filter((a) => a !== "Bearer s3cret-token"),
      [],
      "every probe sent the stored credential",
    );
    await clickUntilGone(page.getByTestId("monitor-test-close"));
    await page.goto(`${harness.server.baseUrl}/system/monitors`);

    // Delete the identity service after confirming: its row goes.
    await row(page, "monitor-row", "统一身份认证").getByTestId("monitor-more").click();
    await page.locator(".ant-dropdown:visible").getByText("Delete", { exact: true }).click();
    await confirmOk(page);
    await row(page, "monitor-row", "统一身份认证").waitFor({ state: "detached" });
  });
});
