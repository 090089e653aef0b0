import { type APIRequestContext, type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import type { AdminRole } from "../../policies/subjects";
import { INIT_PASSWORDS, newSm2Key, type Sm2Key, signChallenge } from "../support/server-process";

/**
 * Signs a browser context in as an admin through the API, second factor included, so a page test starts
 * on the page it is about rather than repeating the sign-in screens (console.e2e.test.ts covers those).
 * The session cookie lands in the context's cookie jar, which its pages share. The first sign-in of a role
 * registers an SM2 key (the test's "USB key") and changes the one-time password; later ones sign a challenge.
 */
export interface AdminAccount {
  role: AdminRole;
  password: string;
  key?: Sm2Key;
}

export function adminAccount(role: AdminRole): AdminAccount {
  return { role, password: INIT_PASSWORDS[role] };
}

async function post(request: APIRequestContext, url: string, data?: unknown) {
  const res = await request.post(url, data === undefined ? {} : { data });
  if (!res.ok()) throw new Error(`POST ${url}: ${res.status()} ${await res.text()}`);
  return res.status() === 204 ? {} : ((await res.json()) as Record<string, unknown>);
}

export async function signInByApi(context: BrowserContext, baseUrl: string, account: AdminAccount): Promise<void> {
  const api = `${baseUrl}/api/v1`;
  const login = await post(context.request, `${api}/auth/login`, {
    username: account.role,
    password: account.password,
  });
  let next = login.next as string | null;
  if (next === "mfa-enroll" || next === "mfa-verify") {
    const { challengeId, nonce } = (await post(context.request, `${api}/auth/mfa/sm2/challenge`)) as {
      challengeId: string;
      nonce: string;
    };
    if (next === "mfa-enroll") {
      account.key ??= newSm2Key();
      const signature = signChallenge(nonce, account.key);
      await post(context.request, `${api}/auth/mfa/sm2/register`, {
        publicKey: account.key.publicKey,
        label: "browser test key",
        challengeId,
        signature,
      });
    } else {
      if (!account.key) throw new Error(`${account.role} has a second factor this test does not hold`);
      await post(context.request, `${api}/auth/mfa/sm2/verify`, {
        challengeId,
        signature: signChallenge(nonce, account.key),
      });
    }
    const me = await context.request.get(`${api}/auth/me`);
    next = me.ok() ? (((await me.json()) as { next?: string | null }).next ?? null) : "change-password";
  }
  if (next === "change-password") {
    const changed = `${account.password.slice(0, 8)}#Changed-2026`;
    await post(context.request, `${api}/auth/password`, { currentPassword: account.password, newPassword: changed });
    account.password = changed;
  }
}

export const STEP_TIMEOUT_MS = 15_000;

/** Debian's chromium, headless, with nothing phoning home (the same flags as console.e2e.test.ts). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
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
}

export interface SignedInPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught errors of the page; a test asserts it stays empty. */
  errors: string[];
  close(): Promise<void>;
}

/**
 * A new browser context signed in as `account`, in `locale` (the console reads its language from
 * localStorage), with a UTC clock so times must come out in Beijing time.
 */
export async function openSignedIn(
  browser: Browser,
  baseUrl: string,
  account: AdminAccount,
  locale: "zh-CN" | "en" = "zh-CN",
): Promise<SignedInPage> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, timezoneId: "UTC" });
  await context.addInitScript((value) => window.localStorage.setItem("tianshu.locale", value), locale);
  await signInByApi(context, baseUrl, account);
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  page.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  return { context, page, errors, close: () => context.close() };
}

/** Waits for dialogs to close and lists to finish loading, so a screenshot shows the settled page. */
export async function settled(page: Page): Promise<void> {
  await page.waitForFunction(
    () => !document.querySelector(".ant-modal-wrap:not([style*='display: none']) .ant-modal, .ant-spin-spinning"),
  );
  await page.waitForTimeout(300); // antd's fade-out transitions
}

export async function problemText(page: Page, testId: string): Promise<{ status: string; text: string }> {
  const alert = page.getByTestId(testId);
  await alert.waitFor();
  return { status: (await alert.getAttribute("data-status")) ?? "", text: (await alert.textContent()) ?? "" };
}
