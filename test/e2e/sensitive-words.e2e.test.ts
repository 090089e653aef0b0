import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import type { Page } from "playwright-core";
import { adminAccount, openSignedIn, settled } from "./adminSession";
import { ARTIFACTS, confirmOk, useConsoleHarness } from "./harness";

/**
 * The sensitive-words page against the real server in a real browser: secadmin creates a dictionary, adds
 * words, publishes twice, the test box highlights an evaded hit (敏*感词), rolls back to version 1 (the
 * second word stops hitting), imports a CSV with a bad line and sees the per-line report; the English page;
 * sysadmin has no such menu entry. Screenshots in zh-CN and English go to test/e2e/artifacts/.
 */

const secadmin = adminAccount("secadmin");
const sysadmin = adminAccount("sysadmin");
const shot = (name: string) => path.join(ARTIFACTS, `${name}.png`);
const LOAD_MS = 60_000;

const harness = useConsoleHarness();

async function openPage(page: Page): Promise<void> {
  await page.goto(`${harness.server.baseUrl}/security/sensitive-words`);
  await page.getByTestId("page-sensitive-words").waitFor({ timeout: LOAD_MS });
  await page.locator('[data-testid="words-active-version"]').waitFor({ timeout: LOAD_MS });
}

const activeVersion = (page: Page) => page.getByTestId("words-active-version").getAttribute("data-version");

async function addWord(page: Page, word: string) {
  await page.getByTestId("word-add").click();
  await page.waitForFunction(() => document.activeElement?.getAttribute("data-testid") === "word-input");
  await page.getByTestId("word-input").fill(word);
  await page.getByTestId("word-save").click();
  await page.getByTestId("word-save").waitFor({ state: "hidden" });
  await page.locator(`[data-testid="word-row"][data-word="${word}"]`).waitFor();
}

async function publish(page: Page, note: string, version: number) {
  await page.getByTestId("words-publish").click();
  await page.waitForFunction(() => document.activeElement?.getAttribute("data-testid") === "words-publish-note");
  await page.getByTestId("words-publish-note").fill(note);
  await page.getByTestId("words-publish-ok").click();
  await page.locator(`[data-testid="words-active-version"][data-version="${version}"]`).waitFor();
}

/** Types into the test box and waits for the server's answer about exactly that text. */
async function checkText(page: Page, text: string) {
  await page.getByTestId("words-tab-check").click();
  await page.getByTestId("words-check-input").fill(text);
  const result = page.getByTestId("words-check-result");
  await page.waitForFunction(
    (expected) => document.querySelector('[data-testid="words-check-result"]')?.getAttribute("data-text") === expected,
    text,
  );
  return result;
}

test("secadmin builds a dictionary, publishes, tests, rolls back and imports", { timeout: 300_000 }, async () => {
  const session = await openSignedIn(harness.browser, harness.server.baseUrl, secadmin, "zh-CN");
  await harness.inBrowser("sensitive-words", session, async (page) => {
    await openPage(page);
    assert.equal(await activeVersion(page), "0", "nothing published on a fresh tenant");

    // A dictionary, selected once created, and two words.
    await page.getByTestId("dictionary-create").click();
    await page.waitForFunction(() => document.activeElement?.getAttribute("data-testid") === "dictionary-name");
    await page.getByTestId("dictionary-name").fill("浏览器测试词库");
    await page.getByTestId("dictionary-save").click();
    await page.locator('[data-testid="dictionary-row"][data-name="浏览器测试词库"]').waitFor();
    await page.getByTestId("dictionary-import").waitFor();
    await addWord(page, "敏感词");
    await publish(page, "第一版", 1);
    await addWord(page, "刷单");
    await publish(page, "加入刷单", 2);

    // The test box: an evasion with noise inside is one highlighted hit, and the text comes back masked.
    const result = await checkText(page, "这是敏*感词，还有刷单吗");
    assert.equal(await result.getAttribute("data-verdict"), "block");
    assert.equal(await result.getAttribute("data-hits"), "2");
    const marks = page.getByTestId("words-check-hit");
    assert.deepEqual(await marks.allTextContents(), ["敏*感词", "刷单"]);
    assert.equal(await marks.first().getAttribute("data-words"), "敏感词");
    assert.equal(await page.getByTestId("words-check-replaced").textContent(), "这是****，还有**吗");
    assert.equal(await page.getByTestId("words-check-version").getAttribute("data-version"), "2");
    await settled(page);
    await page.screenshot({ path: shot("sensitive-words-check"), fullPage: true });

    // Roll back to version 1: recorded as version 3; 刷单 no longer hits.
    await page.getByTestId("words-tab-publications").click();
    await page.locator('[data-testid="words-publication-row"][data-version="2"][data-active="true"]').waitFor();
    await page.locator('[data-testid="words-rollback"][data-version="1"]').click();
    await page.getByTestId("words-rollback-note").fill("撤回刷单");
    await confirmOk(page);
    await page.locator('[data-testid="words-active-version"][data-version="3"]').waitFor();
    const v3 = page.locator('[data-testid="words-publication-row"][data-version="3"]');
    await v3.waitFor();
    assert.equal(await v3.getAttribute("data-active"), "true");
    assert.match((await v3.textContent()) ?? "", /回滚自版本 1/);
    assert.match((await v3.textContent()) ?? "", /撤回刷单/);
    await settled(page);
    await page.screenshot({ path: shot("sensitive-words-publications"), fullPage: true });

    await page.getByTestId("words-tab-check").click();
    await page.locator('[data-testid="words-check-version"][data-version="3"]').waitFor();
    const after = page.getByTestId("words-check-result");
    assert.equal(await after.getAttribute("data-hits"), "1", "only 敏感词 is in version 1");
    assert.deepEqual(await page.getByTestId("words-check-hit").allTextContents(), ["敏*感词"]);

    // Import a CSV with one bad line: the good lines are added, the bad one is listed with its reason.
    await page.getByTestId("words-tab-words").click();
    await page.getByTestId("dictionary-import").click();
    const csv = "词语,级别,处理方式\n代开发票,4,替换\n坏级别,9,屏蔽\n刷单,3,屏蔽\n";
    await page.locator(".ant-modal input[type=file]").setInputFiles({
      name: "words.csv",
      mimeType: "text/csv",
      buffer: Buffer.from(csv, "utf8"),
    });
    await page.getByTestId("words-import-run").click();
    const report = page.getByTestId("words-import-report");
    await report.waitFor();
    assert.equal(await report.getAttribute("data-errors"), "1");
    assert.equal(await report.getAttribute("data-imported"), "1", "代开发票 is new; 刷单 already exists");
    const errors = (await page.getByTestId("words-import-errors").textContent()) ?? "";
    assert.match(errors, /3/, errors);
    assert.match(errors, /级别/, errors);
    await page.waitForTimeout(300);
    await page.screenshot({ path: shot("sensitive-words-import") });
    await page.keyboard.press("Escape");
    await page.locator('[data-testid="word-row"][data-word="代开发票"]').waitFor();

    // Search on the server by part of the word.
    await page.getByTestId("words-search").fill("发票");
    await page.getByTestId("words-search").press("Enter");
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="word-row"]').length === 1);
    assert.equal(await page.locator('[data-testid="word-row"]').getAttribute("data-word"), "代开发票");
    await page.getByTestId("words-search").fill("");
    await page.getByTestId("words-search").press("Enter");
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="word-row"]').length === 3);

    // Export as CSV: the import format, with the words just imported.
    await page.getByTestId("dictionary-export").hover();
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByTestId("dictionary-export-csv").click(),
    ]);
    assert.match(download.suggestedFilename(), /\.csv$/);
    const exported = await (await download.createReadStream()).toArray();
    const csvText = Buffer.concat(exported as Buffer[]).toString("utf8");
    assert.match(csvText, /代开发票,4/, csvText);
    assert.match(csvText, /敏感词,3/, csvText);

    // Bulk: two selected words set to 审核 at once.
    for (const word of ["代开发票", "刷单"]) {
      await page.locator(`[data-testid="word-row"][data-word="${word}"] .ant-checkbox-input`).check();
    }
    await page.getByTestId("words-bulk").getByText("已选 2 个").waitFor();
    await page.getByTestId("words-bulk-action").click();
    await page.locator(".ant-select-dropdown:visible .ant-select-item-option").filter({ hasText: "审核" }).click();
    await page.getByText("已处理 2 个词条，跳过 0 个").waitFor();
    for (const word of ["代开发票", "刷单"]) {
      await page.locator(`[data-testid="word-row"][data-word="${word}"]`).getByText("审核", { exact: true }).waitFor();
    }
    assert.equal(
      await page.locator('[data-testid="word-row"][data-word="敏感词"]').getByText("屏蔽", { exact: true }).count(),
      1,
      "the unselected word keeps its action",
    );
    await settled(page);
    await page.screenshot({ path: shot("sensitive-words"), fullPage: true });

    // The allow-list takes a word with a note.
    await page.getByTestId("words-tab-allow").click();
    await page.getByTestId("allow-add").click();
    await page.waitForFunction(() => document.activeElement?.getAttribute("data-testid") === "allow-word");
    await page.getByTestId("allow-word").fill("发票查验");
    await page.getByTestId("allow-save").click();
    await page.getByTestId("allow-save").waitFor({ state: "hidden" });
    await page.getByTestId("words-allow").getByText("发票查验", { exact: true }).waitFor();
    assert.deepEqual(session.errors, []);
  });
});

test("the page in English; sysadmin has no sensitive-words menu", { timeout: 180_000 }, async () => {
  const english = await openSignedIn(harness.browser, harness.server.baseUrl, secadmin, "en");
  await harness.inBrowser("sensitive-words.en", english, async (page) => {
    await openPage(page);
    await page.getByText("Dictionaries & words", { exact: true }).waitFor();
    await page.locator('[data-testid="dictionary-row"][data-name="浏览器测试词库"]').click();
    await page.locator('[data-testid="word-row"][data-word="敏感词"]').waitFor();
    await settled(page);
    await page.screenshot({ path: shot("sensitive-words.en"), fullPage: true });
    const result = await checkText(page, "Is 敏 感 词 here?");
    assert.equal(await result.getAttribute("data-verdict"), "block");
    await page.getByTestId("words-check-verdict").getByText("Blocked").waitFor();
    await settled(page);
    await page.screenshot({ path: shot("sensitive-words-check.en"), fullPage: true });
    // Traffic from a message service (an API client with content:check) shows up in the statistics;
    // the test box's checks above are not counted.
    const created = await english.context.request.post(`${harness.server.baseUrl}/api/v1/api-clients`, {
      data: { name: "浏览器测试消息服务", scopes: ["content:check"] },
    });
    assert.equal(created.status(), 201, await created.text());
    const { secret } = (await created.json()) as { secret: string };
    for (const text of ["敏感词来了", "又是敏 感 词", "刷单", "没有问题"]) {
      const res = await fetch(`${harness.server.baseUrl}/api/v1/content/check`, {
        method: "POST",
        headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
        body: JSON.stringify({ text, appId: "im" }),
      });
      assert.equal(res.status, 200, await res.text());
    }
    await page.getByTestId("words-tab-stats").click();
    await page.getByTestId("words-stats").waitFor();
    const custom = page.locator('[data-testid="words-stats-row"][data-key="custom"]');
    await custom.waitFor();
    assert.match((await custom.textContent()) ?? "", /Custom/);
    await page.getByTestId("words-stats").getByText("By word", { exact: true }).click();
    const word = page.locator('[data-testid="words-stats-row"][data-key="敏感词"]');
    await word.waitFor();
    assert.match(
      (await word.textContent()) ?? "",
      /2/,
      "two of the service's texts hit 敏感词 (版本 3: 刷单 rolled back)",
    );
    assert.equal(await page.getByTestId("words-stats-row").count(), 1);
    await settled(page);
    await page.screenshot({ path: shot("sensitive-words-stats.en"), fullPage: true });
  });

  const system = await openSignedIn(harness.browser, harness.server.baseUrl, sysadmin, "zh-CN");
  await harness.inBrowser("sensitive-words-sysadmin", system, async (page) => {
    await page.goto(harness.server.baseUrl);
    await page.getByTestId("menu-users").waitFor({ timeout: LOAD_MS });
    assert.equal(await page.getByTestId("menu-sensitive-words").count(), 0, "not in sysadmin's menu");
  });
});
