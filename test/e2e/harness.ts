import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { after, before } from "node:test";
import type { Browser, Locator, Page } from "playwright-core";
import { ROOT, type RunningServer, startServerProcess } from "../support/server-process";
import { launchChromium, type SignedInPage } from "./adminSession";

/**
 * Presses OK in the open confirmation dialog and waits until that dialog is gone. Without the wait,
 * the next confirmation's OK can resolve to this dialog's button while it is still fading out (slow
 * on a loaded machine), and the click lands on a dialog that is already closing.
 *
 * On a loaded CI machine a click on a dialog that has just opened was once seen to do nothing at all:
 * the button neither started loading nor closed its dialog for 15 s. Only then is OK pressed again —
 * never while the action runs (loading) or the dialog is closing, so an action cannot run twice.
 */
export async function confirmOk(page: Page): Promise<void> {
  const ok = page.getByTestId("confirm-ok");
  for (let attempt = 1; ; attempt += 1) {
    await ok.click();
    try {
      await ok.waitFor({ state: "hidden", timeout: 5_000 });
      return;
    } catch (error) {
      const untouched = await ok
        .evaluate(
          (button) =>
            !button.classList.contains("ant-btn-loading") &&
            !button.closest(".ant-modal")?.className.includes("-leave"),
        )
        .catch(() => false);
      if (!untouched) {
        await ok.waitFor({ state: "hidden" });
        return;
      }
      if (attempt === 3) throw error;
    }
  }
}

/**
 * Clicks something that goes away when clicked (a menu item, a dialog's close button) until it has.
 * On a loaded CI machine a click that lands while a menu slides in or a dialog opens was seen to be
 * lost: nothing happened. Only for idempotent clicks — a second one after a lost first does no harm.
 */
export async function clickUntilGone(target: Locator, attempts = 3): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    await target.click();
    try {
      await target.waitFor({ state: "hidden", timeout: 3_000 });
      return;
    } catch (error) {
      if (!(await target.isVisible())) return; // gone just after the wait: the click counted
      if (attempt >= attempts) throw error;
    }
  }
}

/** Where the browser tests leave their screenshots (and failure screenshots). */
export const ARTIFACTS = path.join(ROOT, "test/e2e/artifacts");

/** One browser test file's server process and Chromium, started before its tests and stopped after. */
export interface ConsoleHarness {
  readonly server: RunningServer;
  readonly browser: Browser;
  /** Runs a browser step, keeping a screenshot and the server's output when it fails; closes the session. */
  inBrowser(name: string, session: SignedInPage, body: (page: Page) => Promise<void>): Promise<void>;
}

/**
 * Registers the file's before/after hooks: the built console must exist, the server runs as its own
 * process (on DATABASE_URL, else embedded) and one Chromium serves every test of the file. Call it at
 * the top level of a test file. `setup` runs once both are up, in the same hook: Node 20 starts a file's
 * top-level before hooks together, so a second hook could not count on the server being there.
 */
export function useConsoleHarness(setup?: (harness: ConsoleHarness) => Promise<void>): ConsoleHarness {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;

  before(async () => {
    if (!existsSync(path.join(ROOT, "console/dist/index.html"))) {
      throw new Error("console/dist is missing: run `npm run build` before the browser tests");
    }
    await mkdir(ARTIFACTS, { recursive: true });
    server = await startServerProcess({ databaseUrl: process.env.DATABASE_URL });
    browser = await launchChromium();
    if (setup) await setup(harness);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  function started<T>(value: T | undefined, what: string): T {
    if (value === undefined) throw new Error(`${what} is not started yet: use it inside a hook or test`);
    return value;
  }

  const harness: ConsoleHarness = {
    get server() {
      return started(server, "the server");
    },
    get browser() {
      return started(browser, "the browser");
    },
    async inBrowser(name, session, body) {
      try {
        await body(session.page);
        assert.deepEqual(session.errors, [], "uncaught errors in the page");
      } catch (error) {
        await session.page
          .screenshot({ path: path.join(ARTIFACTS, `${name}.failure.png`), fullPage: true })
          .catch(() => {});
        throw new Error(
          `${(error as Error).message}\n--- server output ---\n${started(server, "the server").output()}`,
          {
            cause: error,
          },
        );
      } finally {
        await session.close();
      }
    },
  };
  return harness;
}
