import { Secret, TOTP } from "otpauth";
import type { Page } from "playwright-core";

/** Steps through the console the way an administrator does; every wait is bounded by the page's timeouts. */

export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByTestId("login-username").fill(username);
  await page.getByTestId("login-password").fill(password);
  await page.getByTestId("login-submit").click();
}

export async function changePassword(page: Page, current: string, next: string): Promise<void> {
  await page.getByTestId("password-current").fill(current);
  await page.getByTestId("password-new").fill(next);
  await page.getByTestId("password-confirm").fill(next);
  await page.getByTestId("password-submit").click();
}

/** The resource names of the side-menu entries, in menu order (data-testid="menu-<name>"). */
export async function menuEntries(page: Page): Promise<string[]> {
  await page.getByTestId("workspace-menu").locator('[data-testid^="menu-"]').first().waitFor();
  const ids = await page
    .getByTestId("workspace-menu")
    .locator('[data-testid^="menu-"]')
    .evaluateAll((nodes) => nodes.map((node) => node.getAttribute("data-testid") ?? ""));
  return ids.map((id) => id.replace(/^menu-/, ""));
}

export async function menuLabel(page: Page, name: string): Promise<string> {
  return ((await page.getByTestId(`menu-${name}`).textContent()) ?? "").trim();
}

export interface AuditRow {
  action: string;
  actor: string;
  actorRole: string;
}

/** The rows the audit table shows, read from the row attributes the console sets for tests. */
export async function auditRows(page: Page): Promise<AuditRow[]> {
  await page.getByTestId("audit-row").first().waitFor();
  return page.getByTestId("audit-row").evaluateAll((rows) =>
    rows.map((row) => ({
      action: row.getAttribute("data-action") ?? "",
      actor: row.getAttribute("data-actor") ?? "",
      actorRole: row.getAttribute("data-actor-role") ?? "",
    })),
  );
}

/** A second factor as the browser tests hold it: the TOTP secret read off the enrolment page. */
export interface TotpFactor {
  secret: string;
  /** The last 30-second step whose code was used: the server refuses a code twice (replay). */
  lastStep: number;
}

/** A code for the next unused time step, waiting for the step to turn over when the current one is spent. */
export async function nextTotpCode(factor: TotpFactor): Promise<string> {
  const totp = new TOTP({ secret: Secret.fromBase32(factor.secret), digits: 6, period: 30, algorithm: "SHA1" });
  let step = Math.floor(Date.now() / 30_000);
  if (step <= factor.lastStep) {
    await new Promise((resolve) => setTimeout(resolve, (factor.lastStep + 1) * 30_000 - Date.now() + 250));
    step = Math.floor(Date.now() / 30_000);
  }
  factor.lastStep = step;
  return totp.generate({ timestamp: step * 30_000 });
}

/**
 * First sign-in of an admin after the password: enrol an authenticator from the secret the page shows,
 * confirm with a code computed here, and keep the 10 recovery codes. Returns the factor and the codes.
 */
export async function enrolTotp(
  page: Page,
  screenshot?: string,
): Promise<{ factor: TotpFactor; recoveryCodes: string[] }> {
  await page.waitForURL(/\/login\/enroll$/);
  const secretNode = page.getByTestId("totp-secret");
  await secretNode.waitFor();
  await page.getByTestId("totp-qr").waitFor();
  const secret = (await secretNode.getAttribute("data-secret")) ?? "";
  if (!/^[A-Z2-7]+=*$/.test(secret)) throw new Error(`no TOTP secret on the enrolment page: "${secret}"`);
  const factor: TotpFactor = { secret, lastStep: 0 };
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  await page.getByTestId("totp-code").fill(await nextTotpCode(factor));
  await page.getByTestId("totp-confirm").click();
  await page.getByTestId("recovery-codes").waitFor();
  const recoveryCodes = await page.getByTestId("recovery-code").allTextContents();
  return { factor, recoveryCodes };
}

/** Leaves the recovery-code step: tick "I have saved them", continue. */
export async function acknowledgeRecoveryCodes(page: Page): Promise<void> {
  await page.getByTestId("recovery-saved").click();
  await page.getByTestId("recovery-continue").click();
}

/** A later sign-in of an enrolled admin: password, then an authenticator code. */
export async function signInWithTotp(
  page: Page,
  username: string,
  password: string,
  factor: TotpFactor,
): Promise<void> {
  await signIn(page, username, password);
  await page.waitForURL(/\/login\/verify$/);
  await page.getByTestId("mfa-code-totp").fill(await nextTotpCode(factor));
  await page.getByTestId("mfa-submit").click();
}
