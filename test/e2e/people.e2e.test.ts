import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import type { APIRequestContext, Page } from "playwright-core";
import { type AdminAccount, adminAccount, openSignedIn, STEP_TIMEOUT_MS } from "./adminSession";
import { ARTIFACTS, useConsoleHarness } from "./harness";
import { changePassword, signIn } from "./consolePage";

/**
 * The identity and people pages against the real server in a real browser: a sysadmin creates a user (the
 * one-time password shown once) and finds it by pinyin initials, opens its page and its personal data; the
 * new user signs in and must change the password; secadmin changes a security setting and a stale save
 * gets 409; an admin signs in with its SM2 key through the console and sees its sessions. Screenshots of
 * every page in zh-CN and English go to test/e2e/artifacts/.
 */

const shot = (name: string) => path.join(ARTIFACTS, `${name}.png`);
const sysadmin = adminAccount("sysadmin");
const secadmin = adminAccount("secadmin");
const harness = useConsoleHarness();
const NEW_USER = { username: "wangxiaoming", displayName: "王晓明", initials: "wxm", phone: "13812345678" };
let oneTimePassword = "";

/** Signs in, runs a browser step, keeps a screenshot and the server's output when it fails. */
async function asAdmin(
  name: string,
  account: AdminAccount,
  locale: "zh-CN" | "en",
  body: (page: Page, request: APIRequestContext) => Promise<void>,
): Promise<void> {
  const session = await openSignedIn(harness.browser, harness.server.baseUrl, account, locale);
  await harness.inBrowser(name, session, (page) => body(page, session.context.request));
}

async function api<T>(request: APIRequestContext, method: "get" | "post" | "put", url: string, init: object = {}) {
  const res = await request[method](`${harness.server.baseUrl}/api/v1${url}`, init);
  if (!res.ok()) throw new Error(`${method.toUpperCase()} ${url}: ${res.status()} ${await res.text()}`);
  return { body: (await res.json()) as T, status: res.status() };
}

/** Rows of the user table by username (data-username on each row). */
async function userRows(page: Page): Promise<string[]> {
  await page.getByTestId("user-table").locator(".ant-spin-spinning").waitFor({ state: "detached" });
  return page.getByTestId("user-row").evaluateAll((rows) => rows.map((row) => row.getAttribute("data-username") ?? ""));
}

/** Searches and waits until the table shows exactly `expected` (by username), else fails with what it shows. */
async function expectSearch(page: Page, text: string, expected: string[]): Promise<void> {
  await page.getByTestId("user-search").fill(text);
  await page.getByTestId("user-search-submit").click();
  const shown = await page
    .waitForFunction(
      (want) => {
        const rows = [...document.querySelectorAll('[data-testid="user-row"]')].map((r) =>
          r.getAttribute("data-username"),
        );
        return JSON.stringify(rows) === JSON.stringify(want);
      },
      expected,
      { timeout: STEP_TIMEOUT_MS },
    )
    .then(
      () => expected,
      () => userRows(page),
    );
  assert.deepEqual(shown, expected, `search "${text}"`);
}

test(
  "sysadmin creates a user with a department, finds it by pinyin initials, opens its page",
  { timeout: 180_000 },
  async () => {
    await asAdmin("users", sysadmin, "zh-CN", async (page, request) => {
      // A dimension with one department to place the user in (the org pages are tested in org.e2e.test.ts).
      const { body: dimension } = await api<{ id: string }>(request, "post", "/dimensions", {
        data: { code: "admin", name: "行政架构", kind: "administrative" },
      });
      await api(request, "post", "/departments", {
        data: { dimensionId: dimension.id, parentId: null, name: "办公室" },
      });

      await page.goto(`${harness.server.baseUrl}/system/users`);
      await page.getByTestId("user-table").waitFor();
      await page.getByTestId("user-row").first().waitFor();
      const admins = await userRows(page);
      for (const role of ["sysadmin", "secadmin", "auditadmin"]) assert.ok(admins.includes(role), `${role} is listed`);

      await page.getByTestId("user-create").click();
      await page.getByTestId("user-username").fill(NEW_USER.username);
      await page.getByTestId("user-display-name").fill(NEW_USER.displayName);
      await page.getByTestId("user-employee-no").fill("E2E-0001");
      await page.getByTestId("user-phone").fill(NEW_USER.phone);
      await page.getByTestId("membership-add").click();
      await page.getByTestId("membership-department").click();
      await page.locator(".ant-select-tree-node-content-wrapper").getByText("办公室", { exact: true }).click();
      await page.screenshot({ path: shot("user-create") });
      await page.getByTestId("user-save").click();

      const otp = page.getByTestId("otp-value");
      await otp.waitFor();
      oneTimePassword = (await otp.getAttribute("data-password")) ?? "";
      assert.ok(oneTimePassword.length >= 12, `a one-time password meeting the policy, got "${oneTimePassword}"`);
      await page.screenshot({ path: shot("user-one-time-password") });
      await page.getByTestId("otp-close").click();
      // Shown once: after closing, the password is no longer anywhere in the page.
      await otp.waitFor({ state: "detached" });
      assert.equal(await page.locator(`[data-password]`).count(), 0);

      // Pinyin initials of 王晓明 find exactly that user; so does the full pinyin.
      await expectSearch(page, NEW_USER.initials, [NEW_USER.username]);
      await expectSearch(page, "wangxiao", [NEW_USER.username]);
      await page.screenshot({ path: shot("users"), fullPage: true });
      const row = page.locator(`[data-testid="user-row"][data-username="${NEW_USER.username}"]`);
      assert.match((await row.textContent()) ?? "", /138\*{4}5678/, "the phone is masked in the list");
      assert.match((await row.textContent()) ?? "", /办公室/);

      await row.getByTestId("user-link").click();
      await page.getByTestId("user-title").waitFor();
      assert.equal(await page.getByTestId("user-title").textContent(), NEW_USER.displayName);
      await page.getByTestId("user-memberships").getByText("办公室").first().waitFor();
      await page.getByTestId("personal-data-show").click();
      await page.locator(".ant-popconfirm:visible").getByRole("button").last().click();
      await page.getByTestId("user-phone-value").getByText(NEW_USER.phone, { exact: true }).waitFor();
      await page.getByTestId("user-sessions").waitFor();
      await page.screenshot({ path: shot("user"), fullPage: true });
    });

    await asAdmin("users.en", sysadmin, "en", async (page) => {
      await page.goto(`${harness.server.baseUrl}/system/users`);
      await page.getByTestId("user-table").waitFor();
      await page.getByText("New user").waitFor();
      // Waits for the row: reading the rows at once could run before the list's first fetch began
      // (no spinner yet) and see an empty table.
      const row = page.locator(`[data-testid="user-row"][data-username="${NEW_USER.username}"]`);
      await row.waitFor();
      await page.screenshot({ path: shot("users.en"), fullPage: true });
      await row.getByTestId("user-link").click();
      await page.getByTestId("user-title").waitFor();
      await page.screenshot({ path: shot("user.en"), fullPage: true });
    });
  },
);

test("the new user signs in with the one-time password and must change it first", { timeout: 90_000 }, async () => {
  assert.ok(oneTimePassword, "the previous test created the user");
  const context = await harness.browser.newContext({ viewport: { width: 1440, height: 900 }, timezoneId: "UTC" });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  try {
    await page.goto(`${harness.server.baseUrl}/login`);
    await signIn(page, NEW_USER.username, oneTimePassword);
    await page.waitForURL(/\/change-password$/);
    await changePassword(page, oneTimePassword, "Wang-Xiaoming#2026");
    // An ordinary user has no admin workspace, but "My security" is there for everyone.
    await page.getByTestId("my-security").click();
    await page.getByTestId("my-sessions").getByTestId("session-current").waitFor();
    await page.screenshot({ path: shot("my-security.user"), fullPage: true });
  } catch (error) {
    await page.screenshot({ path: shot("new-user.failure"), fullPage: true }).catch(() => {});
    throw new Error(`${(error as Error).message}\n--- server output ---\n${harness.server.output()}`, { cause: error });
  } finally {
    await context.close();
  }
});

test("secadmin changes a security setting; a stale save is refused with 409", { timeout: 120_000 }, async () => {
  await asAdmin("security-settings", secadmin, "zh-CN", async (page, request) => {
    await page.goto(`${harness.server.baseUrl}/security/settings`);
    const field = page.getByTestId("setting-lockout-maxFailures");
    await field.waitFor();
    assert.equal(await field.inputValue(), "5", "the 等保三级 default");
    await page.screenshot({ path: shot("security-settings"), fullPage: true });

    await field.fill("6");
    await page.getByTestId("settings-save").click();
    await page
      .getByTestId("settings-version")
      .getByText(/版本 1/)
      .waitFor();
    const { body: saved } = await api<{ settings: { lockout: { maxFailures: number } }; version: number }>(
      request,
      "get",
      "/security-settings",
    );
    assert.equal(saved.settings.lockout.maxFailures, 6);

    // Another admin saves in between: this page's version is stale, the server answers 409, the page says so.
    await api(request, "put", "/security-settings", {
      data: { settings: { ...saved.settings, lockout: { ...saved.settings.lockout, lockMinutes: 45 } } },
      headers: { "If-Match": `"${saved.version}"` },
    });
    await page.getByTestId("setting-lockout-maxFailures").fill("7");
    await page.getByTestId("settings-save").click();
    await page.getByTestId("settings-conflict").waitFor();
    await page.screenshot({ path: shot("security-settings.conflict"), fullPage: true });

    // A contradiction the server would refuse is marked on the field before any request.
    await page.getByTestId("settings-reload").click();
    await page.getByTestId("settings-conflict").waitFor({ state: "detached" });
    await page.getByTestId("setting-passwordPolicy-maxAgeDays").fill("30");
    await page.getByTestId("setting-passwordPolicy-expiryWarningDays").fill("30");
    await page.getByTestId("settings-save").click();
    await page.getByText("到期提醒天数须小于最长使用期限").waitFor();
  });

  await asAdmin("security-settings.en", secadmin, "en", async (page) => {
    await page.goto(`${harness.server.baseUrl}/security/settings`);
    await page.getByTestId("setting-lockout-lockMinutes").waitFor();
    assert.equal(await page.getByTestId("setting-lockout-lockMinutes").inputValue(), "45");
    await page.getByTestId("settings-lockout").getByText("Failed sign-ins", { exact: true }).waitFor();
    await page.screenshot({ path: shot("security-settings.en"), fullPage: true });
  });
});

test(
  "an admin signs in with its SM2 key through the console and manages its sessions",
  { timeout: 120_000 },
  async () => {
    assert.ok(secadmin.key, "secadmin registered an SM2 key at its first sign-in");
    const context = await harness.browser.newContext({ viewport: { width: 1440, height: 900 }, timezoneId: "UTC" });
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    try {
      await page.goto(`${harness.server.baseUrl}/login`);
      await signIn(page, "secadmin", secadmin.password);
      await page.waitForURL(/\/login\/verify$/);
      await page.getByTestId("mfa-tab-sm2").click();
      await page.getByTestId("sm2-key-paste").fill(secadmin.key?.privateKey ?? "");
      await page.getByTestId("sm2-key-loaded").waitFor();
      await page.screenshot({ path: shot("mfa-verify-sm2"), fullPage: true });
      await page.getByTestId("mfa-sm2-submit").click();
      await page.getByTestId("menu-security-settings").waitFor();

      await page.getByTestId("my-security").click();
      const sessions = page.getByTestId("my-sessions");
      await sessions.getByTestId("session-current").waitFor();
      const rows = await sessions.getByTestId("session-row").count();
      assert.ok(rows >= 2, `the earlier sessions of secadmin are listed too (${rows})`);
      await page.getByTestId("my-factors").locator('[data-testid="factor-row"][data-kind="sm2"]').waitFor();
      await page.screenshot({ path: shot("my-security"), fullPage: true });

      await page.getByTestId("revoke-others").click();
      await page.locator(".ant-popconfirm:visible").getByRole("button").last().click();
      await page.waitForFunction(
        () => document.querySelectorAll('[data-testid="my-sessions"] [data-testid="session-row"]').length === 1,
        undefined,
        { timeout: STEP_TIMEOUT_MS },
      );

      await page.getByTestId("lang-en").click();
      await page.getByText("Sign out all other sessions").waitFor();
      await page.screenshot({ path: shot("my-security.en"), fullPage: true });
      assert.deepEqual(errors, [], "uncaught errors in the page");
    } catch (error) {
      await page.screenshot({ path: shot("sm2.failure"), fullPage: true }).catch(() => {});
      throw new Error(`${(error as Error).message}\n--- server output ---\n${harness.server.output()}`, {
        cause: error,
      });
    } finally {
      await context.close();
    }
  },
);
