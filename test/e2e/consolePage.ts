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
