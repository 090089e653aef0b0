import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";
import type { AdminRole } from "../../policies/subjects";
import { INIT_PASSWORDS, ROOT, type RunningServer, startServerProcess } from "../support/server-process";
import {
  acknowledgeRecoveryCodes,
  auditRows,
  changePassword,
  enrolTotp,
  menuEntries,
  menuLabel,
  signIn,
} from "./consolePage";

/**
 * The console against the real server and a real browser: each admin signs in, must enrol a second factor
 * (TOTP, codes computed here from the secret the page shows) and keep the recovery codes, is forced to change
 * the one-time password, sees exactly its own workspace (三员分立), switches to English, signs out.
 * Runs in role order so the audit admin can find the other two admins' sign-ins in the audit log.
 */

const ARTIFACTS = path.join(ROOT, "test/e2e/artifacts");
const STEP_TIMEOUT_MS = 15_000;

interface RoleCase {
  role: AdminRole;
  newPassword: string;
  roleLabel: string;
  menu: string[];
  /** One menu entry whose label must change with the language. */
  label: { name: string; zh: string; en: string };
}

const CASES: RoleCase[] = [
  {
    role: "sysadmin",
    newPassword: "Tianshu#Sys-2026-ok",
    roleLabel: "系统管理员",
    menu: [
      "tenants",
      "org-units",
      "dimensions",
      "posts",
      "users",
      "apps",
      "monitors",
      "leadership",
      "alerts",
      "incidents",
      "notification-channels",
      "backups",
      "approvals",
    ],
    label: { name: "tenants", zh: "租户", en: "Tenants" },
  },
  {
    role: "secadmin",
    newPassword: "Tianshu#Sec-2026-ok",
    roleLabel: "安全保密管理员",
    menu: [
      "policies",
      "scoped-admins",
      "viewers",
      "api-clients",
      "security-settings",
      "watermarks",
      "sensitive-words",
      "auditor-events",
      "audit-settings",
      "approvals",
    ],
    label: { name: "policies", zh: "访问策略", en: "Access policies" },
  },
  {
    role: "auditadmin",
    newPassword: "Tianshu#Aud-2026-ok",
    roleLabel: "安全审计员",
    menu: ["audit-events", "compliance-reports", "audit-settings", "approvals"],
    label: { name: "audit-events", zh: "审计日志", en: "Audit log" },
  },
];
const ALL_ENTRIES = [...new Set(CASES.flatMap((c) => c.menu))];

let server: RunningServer;
let browser: Browser;

before(async () => {
  if (!existsSync(path.join(ROOT, "console/dist/index.html"))) {
    throw new Error("console/dist is missing: run `npm run build` before the browser tests");
  }
  await mkdir(ARTIFACTS, { recursive: true });
  // A fresh database on the DATABASE_URL server when it is set, else the embedded default.
  server = await startServerProcess({ databaseUrl: process.env.DATABASE_URL });
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    timeout: 30_000,
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function openConsole(): Promise<{ page: Page; errors: string[]; close: () => Promise<void> }> {
  // UTC browser clock: the audit times must still come out in Beijing time.
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, timezoneId: "UTC" });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  page.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  return { page, errors, close: () => context.close() };
}

for (const c of CASES) {
  test(
    `${c.role}: second-factor enrolment, forced password change, own workspace only, language switch`,
    { timeout: 120_000 },
    async () => {
      const { page, errors, close } = await openConsole();
      try {
        await page.goto(`${server.baseUrl}/`);
        await page.waitForURL(/\/login/);
        assert.equal(await page.getAttribute("html", "lang"), "zh-CN", "the console starts in Chinese");
        await page.getByText("用户名", { exact: true }).waitFor();

        if (c.role === "sysadmin") {
          await signIn(page, c.role, "wrong-password-123");
          const message = (await page.getByTestId("login-error").textContent()) ?? "";
          assert.match(message, /[\u4e00-\u9fff]/, `expected the server's Chinese message, got "${message}"`);
          await page.screenshot({ path: path.join(ARTIFACTS, "login.png"), fullPage: true });
        }

        await signIn(page, c.role, INIT_PASSWORDS[c.role]);
        // Admins must enrol a second factor before anything else, the password change included.
        const shot = (name: string) => (c.role === "sysadmin" ? path.join(ARTIFACTS, name) : undefined);
        const { recoveryCodes } = await enrolTotp(page, shot("mfa-enroll.png"));
        assert.equal(recoveryCodes.length, 10, "ten recovery codes are shown once");
        assert.equal(new Set(recoveryCodes).size, 10);
        assert.ok(await page.getByTestId("recovery-continue").isDisabled(), "continue waits for 'I have saved them'");
        const recoveryShot = shot("mfa-recovery-codes.png");
        if (recoveryShot) await page.screenshot({ path: recoveryShot, fullPage: true });
        await acknowledgeRecoveryCodes(page);
        await page.waitForURL(/\/change-password$/);
        await page.getByTestId("password-notice").waitFor();

        if (c.role === "sysadmin") {
          // The server's password policy answers 400 PASSWORD_POLICY; its rule messages are listed as sent.
          await changePassword(page, INIT_PASSWORDS[c.role], "sysadmin-weak");
          const rules = page.getByTestId("password-error").locator("li");
          await rules.first().waitFor();
          assert.match((await rules.first().textContent()) ?? "", /[\u4e00-\u9fff]/);
          await page.screenshot({ path: path.join(ARTIFACTS, "change-password.png"), fullPage: true });
        }
        await changePassword(page, INIT_PASSWORDS[c.role], c.newPassword);
        const first = c.menu[0] as string;
        await page.getByTestId(`menu-${first}`).waitFor();

        assert.deepEqual(await menuEntries(page), c.menu);
        for (const other of ALL_ENTRIES.filter((name) => !c.menu.includes(name))) {
          assert.equal(await page.getByTestId(`menu-${other}`).count(), 0, `${c.role} must not see ${other}`);
        }
        assert.equal(await page.getByTestId("header-role").textContent(), c.roleLabel);
        assert.equal(await menuLabel(page, c.label.name), c.label.zh);

        if (c.role === "auditadmin") {
          await page.getByTestId("menu-audit-events").click();
          await page.waitForURL(/\/audit\/events$/);
          const rows = await auditRows(page);
          for (const other of ["sysadmin", "secadmin"]) {
            assert.ok(
              rows.some((row) => row.action === "auth.login" && row.actor === other),
              `the audit admin should see ${other}'s sign-in: ${JSON.stringify(rows)}`,
            );
          }
          assert.ok(
            rows.every((row) => row.actor !== "auditadmin" && row.actorRole !== "auditadmin"),
            `the audit admin must not see its own events: ${JSON.stringify(rows)}`,
          );
          // antd's own texts (the page-size changer) follow the console language too.
          await page.getByText("20 条/页").waitFor();
        }
        if (c.role === "secadmin") {
          await page.getByTestId("menu-auditor-events").click();
          await page.getByTestId("audit-table").waitFor();
          assert.equal(await page.getByText("审计日志加载失败").count(), 0);
        }

        await page.screenshot({ path: path.join(ARTIFACTS, `${c.role}.png`), fullPage: true });

        await page.getByTestId("lang-en").click();
        await page.waitForFunction(
          ([name, en]) => document.querySelector(`[data-testid="menu-${name}"]`)?.textContent?.trim() === en,
          [c.label.name, c.label.en],
          { timeout: STEP_TIMEOUT_MS },
        );
        assert.equal(await page.getAttribute("html", "lang"), "en");
        await page.getByTestId("lang-switch").locator(".ant-segmented-item-selected").getByText("English").waitFor();
        if (c.role === "auditadmin") await page.getByText("20 / page").waitFor();
        await page.screenshot({ path: path.join(ARTIFACTS, `${c.role}.en.png`), fullPage: true });

        if (c.role === "sysadmin") {
          // Another role's page typed into the address bar: a full reload (SPA fallback), refused by the console,
          // and the language choice survived the reload.
          await page.goto(`${server.baseUrl}/audit/events`);
          await page.getByText("Access denied").waitFor();
          assert.equal(await menuLabel(page, c.label.name), c.label.en);
          assert.match(await page.title(), /天枢 Tianshu$/);
        }

        await page.getByTestId("logout").click();
        await page.waitForURL(/\/login/);
        assert.deepEqual(errors, [], "uncaught errors in the page");
      } catch (error) {
        await page.screenshot({ path: path.join(ARTIFACTS, `${c.role}.failure.png`), fullPage: true }).catch(() => {});
        throw new Error(`${(error as Error).message}\n--- server output ---\n${server.output()}`, { cause: error });
      } finally {
        await close();
      }
    },
  );
}
