import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import { INIT_PASSWORDS, newSm2Key } from "../support/server-process";
import { adminAccount, openSignedIn, type SignedInPage, STEP_TIMEOUT_MS } from "./adminSession";
import { acknowledgeRecoveryCodes, changePassword, signIn } from "./consolePage";
import { ARTIFACTS, confirmOk, useConsoleHarness } from "./harness";

/**
 * Second factors through the console against the real server: a fresh admin enrols with an SM2 key at its
 * first sign-in (pasted, or made in the browser and downloaded), keeps the recovery codes and later signs in
 * with the key; the session cookie is replaced when the factor passes. sysadmin then resets an admin's second
 * factor from the account's page, and that admin must enrol again. Screenshots go to test/e2e/artifacts/.
 */

const shot = (name: string) => path.join(ARTIFACTS, `${name}.png`);
const harness = useConsoleHarness();
const SEC_PASSWORD = "Tianshu#Sec-Mfa-2026";
const AUD_PASSWORD = "Tianshu#Aud-Mfa-2026";
const secKey = newSm2Key();
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups) await cleanup();
});

/** A browser context that is not signed in, in Chinese, with a UTC clock. */
async function openFresh(): Promise<SignedInPage> {
  const context = await harness.browser.newContext({
    viewport: { width: 1440, height: 900 },
    timezoneId: "UTC",
    acceptDownloads: true,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  page.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  return { context, page, errors, close: () => context.close() };
}

const sessionCookie = async (context: BrowserContext) =>
  (await context.cookies()).find((c) => c.name === "tianshu_sid")?.value;

/** The enrolment page with the SM2 choice open, after the password. */
async function openSm2Enrolment(page: Page, username: string, password: string): Promise<void> {
  await page.goto(`${harness.server.baseUrl}/login`);
  await signIn(page, username, password);
  await page.waitForURL(/\/login\/enroll$/);
  // TOTP is the default choice; SM2 is the other one.
  await page.getByTestId("totp-enrollment").waitFor();
  await page.getByTestId("enroll-method-sm2").click();
  await page.getByTestId("sm2-enrollment").waitFor();
}

/** Registers, checks the ten recovery codes and that the cookie was replaced, and leaves the codes step. */
async function registerAndKeepCodes(page: Page): Promise<void> {
  const context = page.context();
  const before = await sessionCookie(context);
  assert.ok(before, "signed in with the password");
  await page.getByTestId("sm2-enroll-submit").click();
  await page.getByTestId("recovery-codes").waitFor();
  const codes = await page.getByTestId("recovery-code").allTextContents();
  assert.equal(codes.length, 10, "the first factor comes with ten recovery codes");
  const after = await sessionCookie(context);
  assert.ok(after && after !== before, "passing the second factor replaced the session cookie");
  // Plain fetch: no cookie jar adds the current cookie beside the old one.
  const old = await fetch(`${harness.server.baseUrl}/api/v1/auth/me`, { headers: { cookie: `tianshu_sid=${before}` } });
  assert.equal(old.status, 401, "the pre-verification cookie no longer works");
  await acknowledgeRecoveryCodes(page);
  await page.waitForURL(/\/change-password$/);
}

/** A later sign-in: password, then a signature with the SM2 key (pasted, or from a key file). */
async function signInWithKey(
  page: Page,
  username: string,
  password: string,
  key: { privateKey: string } | { file: string },
): Promise<void> {
  await page.goto(`${harness.server.baseUrl}/login`);
  await signIn(page, username, password);
  await page.waitForURL(/\/login\/verify$/);
  await page.getByTestId("mfa-tab-sm2").click();
  if ("privateKey" in key) await page.getByTestId("sm2-key-paste").fill(key.privateKey);
  else await page.getByTestId("sm2-key-input").locator('input[type="file"]').setInputFiles(key.file);
  await page.getByTestId("sm2-key-loaded").waitFor();
  await page.getByTestId("mfa-sm2-submit").click();
}

test("a fresh admin enrols with a pasted SM2 key and signs in with it later", { timeout: 180_000 }, async () => {
  await harness.inBrowser("mfa-enroll-sm2", await openFresh(), async (page) => {
    await openSm2Enrolment(page, "secadmin", INIT_PASSWORDS.secadmin);
    await page.getByTestId("sm2-label").fill("U 盾");
    await page.getByTestId("sm2-source-import").click();
    assert.ok(await page.getByTestId("sm2-enroll-submit").isDisabled(), "no key loaded yet");
    await page.getByTestId("sm2-key-paste").fill(secKey.privateKey);
    await page.getByTestId("sm2-key-loaded").waitFor();
    assert.ok(await page.getByTestId("sm2-enroll-submit").isEnabled(), "a name and a loaded key are enough");
    await page.waitForTimeout(300); // the button's colour transition, for the screenshot
    await page.screenshot({ path: shot("mfa-enroll-sm2"), fullPage: true });
    await registerAndKeepCodes(page);
    await changePassword(page, INIT_PASSWORDS.secadmin, SEC_PASSWORD);
    await page.getByTestId("menu-security-settings").waitFor();

    await page.getByTestId("logout").click();
    await page.waitForURL(/\/login/);
    await signInWithKey(page, "secadmin", SEC_PASSWORD, secKey);
    await page.getByTestId("menu-security-settings").waitFor();
    await page.getByTestId("my-security").click();
    await page.getByTestId("my-factors").locator('[data-testid="factor-row"][data-kind="sm2"]').waitFor();
  });
});

test(
  "a key made in the browser is downloaded, registered, and signs in later from its key file",
  { timeout: 180_000 },
  async () => {
    await harness.inBrowser("mfa-enroll-sm2-generated", await openFresh(), async (page) => {
      await openSm2Enrolment(page, "auditadmin", INIT_PASSWORDS.auditadmin);
      await page.getByTestId("sm2-label").fill("办公室电脑");
      await page.getByTestId("sm2-generate").click();
      assert.ok(await page.getByTestId("sm2-enroll-submit").isDisabled(), "a new key must be downloaded first");
      const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("sm2-download").click()]);
      // The private key file stays out of the artifacts: a temporary directory, removed afterwards.
      const dir = await mkdtemp(path.join(os.tmpdir(), "tianshu-e2e-key-"));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      const file = path.join(dir, "key.json");
      await download.saveAs(file);
      const saved = JSON.parse(await readFile(file, "utf8")) as { type: string; privateKey: string };
      assert.equal(saved.type, "tianshu-sm2-key");
      assert.match(saved.privateKey, /^[0-9a-f]{64}$/);
      await page.screenshot({ path: shot("mfa-enroll-sm2-generated"), fullPage: true });
      await registerAndKeepCodes(page);
      await changePassword(page, INIT_PASSWORDS.auditadmin, AUD_PASSWORD);
      await page.getByTestId("menu-audit-events").waitFor();

      await page.getByTestId("logout").click();
      await page.waitForURL(/\/login/);
      await signInWithKey(page, "auditadmin", AUD_PASSWORD, { file });
      await page.getByTestId("menu-audit-events").waitFor();
    });
  },
);

test(
  "sysadmin resets secadmin's second factor from its page; secadmin must enrol again",
  { timeout: 180_000 },
  async () => {
    const sysadmin = adminAccount("sysadmin");
    const session = await openSignedIn(harness.browser, harness.server.baseUrl, sysadmin);
    await harness.inBrowser("user-reset-second-factor", session, async (page) => {
      const list = await session.context.request.get(`${harness.server.baseUrl}/api/v1/users?q=secadmin`);
      const secadmin = ((await list.json()) as { id: string; username: string }[]).find(
        (u) => u.username === "secadmin",
      );
      assert.ok(secadmin, "secadmin is listed");
      await page.goto(`${harness.server.baseUrl}/system/users/${secadmin.id}`);
      await page.getByTestId("user-title").waitFor();
      await page.getByTestId("user-more").click();
      await page.getByTestId("user-reset-second-factor").click();
      await page.locator(".ant-modal-confirm-title").getByText("重置二次验证").waitFor();
      await page.getByTestId("confirm-ok").waitFor();
      await page.waitForTimeout(500); // the dialog's zoom-in and the menu's fade-out, for the screenshot
      await page.screenshot({ path: shot("user-reset-second-factor") });
      await confirmOk(page);
      await page.getByText("二次验证已重置").waitFor();

      // Not on one's own page: sysadmin's own account offers no reset.
      const me = (await (await session.context.request.get(`${harness.server.baseUrl}/api/v1/auth/me`)).json()) as {
        user: { id: string };
      };
      await page.goto(`${harness.server.baseUrl}/system/users/${me.user.id}`);
      await page.getByTestId("user-title").waitFor();
      await page.getByTestId("user-more").click();
      await page.getByTestId("user-action-resetPassword").waitFor();
      assert.equal(await page.getByTestId("user-reset-second-factor").count(), 0);
    });

    await harness.inBrowser("mfa-enroll-after-reset", await openFresh(), async (page) => {
      await page.goto(`${harness.server.baseUrl}/login`);
      await signIn(page, "secadmin", SEC_PASSWORD);
      await page.waitForURL(/\/login\/enroll$/);
      await page.getByTestId("enroll-method").waitFor();
    });
  },
);
