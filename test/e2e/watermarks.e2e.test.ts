import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import type { APIRequestContext, Page } from "playwright-core";
import { adminAccount, openSignedIn, settled } from "./adminSession";
import { ARTIFACTS, useConsoleHarness } from "./harness";

/**
 * The watermarks page against the real server in a real browser: secadmin creates a tenant-wide policy and
 * a chat-only one, watching the live preview follow the form (and an unknown field refused before sending);
 * the tester says which policy secadmin gets in a chat (the chat one, the other ranked below with the
 * server's reason) and in a file preview (the tenant-wide one; the chat one excluded by its context).
 * Screenshots in zh-CN and English go to test/e2e/artifacts/.
 */

const secadmin = adminAccount("secadmin");
const sysadmin = adminAccount("sysadmin");
const shot = (name: string) => path.join(ARTIFACTS, `${name}.png`);
const LOAD_MS = 60_000;

async function post<T>(request: APIRequestContext, url: string, data: object): Promise<T> {
  const res = await request.post(`${harness.server.baseUrl}/api/v1${url}`, { data });
  if (!res.ok()) throw new Error(`POST ${url}: ${res.status()} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Set up by the sysadmin through the API: 财务部 › 薪酬组, and 王芳 (phone ending 5678) in 薪酬组. */
const harness = useConsoleHarness(async (h) => {
  const session = await openSignedIn(h.browser, h.server.baseUrl, sysadmin);
  try {
    const request = session.context.request;
    const dimension = await post<{ id: string }>(request, "/dimensions", {
      code: "admin",
      name: "行政架构",
      kind: "administrative",
    });
    const finance = await post<{ id: string }>(request, "/departments", {
      dimensionId: dimension.id,
      parentId: null,
      name: "财务部",
    });
    const payroll = await post<{ id: string }>(request, "/departments", {
      dimensionId: dimension.id,
      parentId: finance.id,
      name: "薪酬组",
    });
    await post(request, "/users", {
      username: "wang.fang",
      displayName: "王芳",
      phone: "13912345678",
      memberships: [{ departmentId: payroll.id, isPrimary: true }],
    });
  } finally {
    await session.close();
  }
});

async function openPage(page: Page): Promise<void> {
  await page.goto(`${harness.server.baseUrl}/security/watermarks`);
  await page.getByTestId("page-watermarks").waitFor({ timeout: LOAD_MS });
  await page.getByTestId("watermark-tester").waitFor({ timeout: LOAD_MS });
}

async function pickOption(page: Page, testId: string, search: string | null, label: string): Promise<void> {
  await page.getByTestId(testId).click();
  if (search !== null) await page.getByTestId(testId).locator("input").fill(search);
  await page.locator(".ant-select-dropdown:visible .ant-select-item-option").filter({ hasText: label }).click();
}

const previewLines = (page: Page) => page.getByTestId("watermark-preview").getAttribute("data-lines");

async function openEditor(page: Page, name: string) {
  await page.getByTestId("watermark-create").click();
  await page.waitForFunction(() => document.activeElement?.getAttribute("data-testid") === "watermark-name");
  await page.getByTestId("watermark-name").fill(name);
}

async function save(page: Page, name: string) {
  await page.getByTestId("watermark-save").click();
  await page.getByTestId("watermark-save").waitFor({ state: "hidden" });
  await page.locator(`[data-testid="watermark-row"][data-name="${name}"]`).waitFor();
}

async function runTester(page: Page, context: string) {
  const result = page.getByTestId("watermark-tester-result");
  const before = (await result.count()) > 0 ? await result.getAttribute("data-chosen") : null;
  await page.getByTestId("watermark-tester-context").click();
  await page.locator(".ant-select-dropdown:visible .ant-select-item-option").filter({ hasText: context }).click();
  await page.getByTestId("watermark-tester-run").click();
  await result.waitFor();
  if (before !== null) {
    await page.waitForFunction(
      (previous) =>
        document.querySelector('[data-testid="watermark-tester-result"]')?.getAttribute("data-chosen") !== previous,
      before,
    );
  }
  return result;
}

test("secadmin creates policies with a live preview and tests who gets which", { timeout: 300_000 }, async () => {
  const session = await openSignedIn(harness.browser, harness.server.baseUrl, secadmin, "zh-CN");
  await harness.inBrowser("watermarks", session, async (page) => {
    await openPage(page);

    // A tenant-wide policy with the default template: the preview shows it filled with sample values.
    await openEditor(page, "全员水印");
    const initial = (await previewLines(page)) ?? "";
    assert.match(initial, /8000/, initial);
    assert.match(initial, /财务部 \d{4}-\d{2}-\d{2}/, initial);
    await save(page, "全员水印");

    // A chat-only policy: the preview follows the template and the custom text as they are typed.
    await openEditor(page, "聊天水印");
    await page.getByTestId("watermark-template").fill("{salary}");
    await page.getByTestId("watermark-save").click();
    await page.getByText("未知字段：{salary}").waitFor();
    await page.getByTestId("watermark-template").fill("内部资料 {text}\n{name} {phoneLast4}");
    await page.getByTestId("watermark-custom-text").fill("严禁外传");
    await page.waitForFunction(() =>
      document
        .querySelector('[data-testid="watermark-preview"]')
        ?.getAttribute("data-lines")
        ?.startsWith("内部资料 严禁外传"),
    );
    await page.getByTestId("watermark-font-size").fill("24");
    await pickOption(page, "watermark-contexts", null, "聊天");
    // antd's Watermark draws its tile as a background image over the sample window.
    const drawn = await page
      .getByTestId("watermark-preview")
      .evaluate((el) => [...el.querySelectorAll("div")].some((d) => d.style.backgroundImage.includes("data:image")));
    assert.ok(drawn, "the preview draws a watermark tile");
    await page.waitForTimeout(300);
    await page.screenshot({ path: shot("watermarks-editor") });
    await save(page, "聊天水印");

    // The tester: in a chat secadmin gets the chat policy; the tenant-wide one ranks below, with the reason.
    await pickOption(page, "watermark-tester-user", "secadmin", "secadmin");
    let result = await runTester(page, "聊天");
    assert.equal(await result.getAttribute("data-chosen"), "聊天水印");
    const candidates = (await page.getByTestId("watermark-tester-candidates").textContent()) ?? "";
    assert.match(candidates, /全员水印/, candidates);
    assert.match(candidates, /低于「聊天水印」：限定维度较少（0 < 1）/, candidates);
    assert.match((await result.textContent()) ?? "", /内部资料 严禁外传/);

    // In a file preview the chat policy does not apply: excluded by its context.
    result = await runTester(page, "文件预览");
    assert.equal(await result.getAttribute("data-chosen"), "全员水印");
    const excluded = (await page.getByTestId("watermark-tester-excluded").textContent()) ?? "";
    assert.match(excluded, /聊天水印/, excluded);
    assert.match(excluded, /场景不在范围内/, excluded);

    // A policy for 财务部 (and its subtree), the department picked by search: 王芳 of 薪酬组 gets it in a
    // chat, ahead of the chat policy (same priority and dimensions, a deeper department matched).
    await openEditor(page, "财务部水印");
    await pickOption(page, "watermark-departments", "财务", "财务部");
    await page.keyboard.press("Escape"); // closes the picker's list, not the dialog
    await save(page, "财务部水印");
    assert.match(
      (await page.locator('[data-testid="watermark-row"][data-name="财务部水印"]').textContent()) ?? "",
      /1 个部门/,
    );
    await page.getByTestId("watermark-tester-user").click();
    await pickOption(page, "watermark-tester-user", "wang", "王芳");
    result = await runTester(page, "聊天");
    assert.equal(await result.getAttribute("data-chosen"), "财务部水印");
    const text = (await result.textContent()) ?? "";
    assert.match(text, /王芳 5678/, text);
    assert.match(text, /薪酬组 \d{4}-\d{2}-\d{2}/, text);
    assert.match(text, /低于「财务部水印」：匹配的部门层级较浅（0 < 1）/, text);
    await settled(page);
    await page.evaluate(() => window.scrollTo(0, 0)); // the sticky header would be drawn mid-page
    await page.screenshot({ path: shot("watermarks"), fullPage: true });
    assert.deepEqual(session.errors, []);
  });
});

test("the page in English", { timeout: 180_000 }, async () => {
  const english = await openSignedIn(harness.browser, harness.server.baseUrl, secadmin, "en");
  await harness.inBrowser("watermarks.en", english, async (page) => {
    await openPage(page);
    await page.getByText("Who gets which watermark", { exact: true }).waitFor();
    await page.locator('[data-testid="watermark-row"][data-name="聊天水印"]').getByText("Chat").waitFor();
    await pickOption(page, "watermark-tester-user", "secadmin", "secadmin");
    const result = await runTester(page, "Chat");
    assert.equal(await result.getAttribute("data-chosen"), "聊天水印");
    await settled(page);
    await page.evaluate(() => window.scrollTo(0, 0)); // the sticky header would be drawn mid-page
    await page.screenshot({ path: shot("watermarks.en"), fullPage: true });
    await page.locator('[data-testid="watermark-row"][data-name="聊天水印"]').getByTestId("watermark-edit").click();
    await page.getByTestId("watermark-preview").waitFor();
    // The preview shows the opened policy, not the form's defaults or the last policy edited.
    await page.waitForFunction(() =>
      document
        .querySelector('[data-testid="watermark-preview"]')
        ?.getAttribute("data-lines")
        ?.startsWith("内部资料 严禁外传"),
    );
    await page.waitForTimeout(500);
    await page.screenshot({ path: shot("watermarks-editor.en") });
  });
});
