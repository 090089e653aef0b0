import assert from "node:assert/strict";
import { test } from "node:test";
import type { APIRequestContext, Browser, Page } from "playwright-core";
import { openDatabase } from "../../api/src/db/pool";
import { writeResults } from "../../monitors/store";
import { newSm2Key, signChallenge } from "../support/server-process";
import { adminAccount, openSignedIn, type SignedInPage, STEP_TIMEOUT_MS, settled } from "./adminSession";
import { confirmOk, useConsoleHarness } from "./harness";

/**
 * The leadership dashboard as the leadership viewer sees it, against the real server in a real browser.
 * Set up through the API: sysadmin registers two apps with a push monitor each and opens a grade I and a
 * grade III incident, creates the account 李领导, and secadmin gives it the viewer role. On the server
 * database 90 days of history are written first (monitors/store.ts writeResults, as the prober would): a
 * one-hour outage 60 days ago and six days without data. Then the apps push heartbeats (门户 up, 通讯 down).
 * The viewer lands on the dashboard: cards coloured by level, one bar per day, the trend, the incidents by
 * grade with ticking countdowns; no admin page in its menu, an admin URL shows the 403 page and the API
 * refuses admin routes. Last, secadmin takes the role back on its 领导账号 page and the viewer's session ends.
 * Screenshots: /tmp/leadership-zh.png, /tmp/leadership-en.png.
 */

const sysadmin = adminAccount("sysadmin");
const secadmin = adminAccount("secadmin");
const LOAD_MS = 60_000;
const DAY = 86_400_000;
const HOUR = 3_600_000;
const VIEWER = { username: "li.lingdao", password: "", changed: "Leader-View-2026#", key: newSm2Key() };
const seeded = { portal: "", im: "", history: false };

async function call<T>(request: APIRequestContext, method: "post" | "get", url: string, data?: object): Promise<T> {
  const res = await request[method](`${harness.server.baseUrl}${url}`, data ? { data } : {});
  if (!res.ok()) throw new Error(`${method.toUpperCase()} ${url}: ${res.status()} ${await res.text()}`);
  return (await res.json()) as T;
}

/** A push monitor of `appId`; its push URL (with the token) for the heartbeats. */
async function pushMonitor(request: APIRequestContext, name: string, appId: string) {
  const monitor = await call<{ id: string }>(request, "post", "/api/v1/monitors", {
    type: "push",
    name,
    intervalSeconds: 3600,
    appId,
  });
  const push = await call<{ token: string; path: string }>(
    request,
    "post",
    `/api/v1/monitors/${monitor.id}/push-token`,
    {},
  );
  return { id: monitor.id, url: `${push.path}?token=${encodeURIComponent(push.token)}` };
}

/** Hourly results for the last 90 days, an outage hour 60 days ago and days -45…-40 silent (unknown). */
async function writeHistory(databaseUrl: string, monitorId: string): Promise<void> {
  const handle = openDatabase(databaseUrl, 2, () => {});
  try {
    const now = Date.now();
    const start = Math.floor((now - 89 * DAY) / HOUR) * HOUR;
    const outage = Math.floor((now - 60 * DAY) / HOUR) * HOUR;
    const results = [];
    for (let at = start; at < now - 2 * HOUR; at += HOUR) {
      if (at > now - 45 * DAY && at < now - 40 * DAY) continue;
      const down = at === outage;
      results.push({
        monitorId,
        at,
        state: down ? ("down" as const) : ("up" as const),
        latencyMs: 0,
        reason: down ? "push-silent" : "ok",
        message: "",
      });
    }
    await writeResults(handle.db, results, new Map([[monitorId, HOUR]]));
  } finally {
    await handle.close();
  }
}

const harness = useConsoleHarness(async (h) => {
  const sys = await openSignedIn(h.browser, h.server.baseUrl, sysadmin);
  try {
    const request = sys.context.request;
    const portal = await call<{ id: string }>(request, "post", "/api/v1/monitor-apps", {
      name: "统一门户",
      slaTarget: 0.999,
    });
    const im = await call<{ id: string }>(request, "post", "/api/v1/monitor-apps", {
      name: "即时通讯",
      slaTarget: 0.995,
    });
    seeded.portal = portal.id;
    seeded.im = im.id;
    const portalMonitor = await pushMonitor(request, "门户心跳", portal.id);
    const imMonitor = await pushMonitor(request, "通讯心跳", im.id);
    // History goes in before today's heartbeats: a result older than the last stored one changes no state.
    if (h.server.databaseUrl) {
      await writeHistory(h.server.databaseUrl, portalMonitor.id);
      seeded.history = true;
    }
    await call(request, "get", portalMonitor.url);
    await call(request, "get", `${imMonitor.url}&status=down&msg=${encodeURIComponent("消息网关不可用")}`);
    await call(request, "post", "/api/v1/incidents", { title: "即时通讯消息发送失败", grade: "I" });
    await call(request, "post", "/api/v1/incidents", { title: "门户个别页面加载缓慢", grade: "III" });
    const account = await call<{ user: { id: string }; oneTimePassword: string }>(request, "post", "/api/v1/users", {
      username: VIEWER.username,
      displayName: "李领导",
    });
    VIEWER.password = account.oneTimePassword;
    const sec = await openSignedIn(h.browser, h.server.baseUrl, secadmin);
    try {
      await call(sec.context.request, "post", "/api/v1/viewers", { userId: account.user.id });
    } finally {
      await sec.close();
    }
  } finally {
    await sys.close();
  }
});

/** The viewer's browser session, signed in through the API: SM2 key enrolled, then the password changed. */
async function openViewer(browser: Browser, locale: "zh-CN" | "en"): Promise<SignedInPage> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1700 }, timezoneId: "UTC" });
  await context.addInitScript((value) => window.localStorage.setItem("tianshu.locale", value), locale);
  const api = `${harness.server.baseUrl}/api/v1`;
  const post = async (url: string, data?: object) => {
    const res = await context.request.post(`${api}${url}`, data ? { data } : {});
    if (!res.ok()) throw new Error(`POST ${url}: ${res.status()} ${await res.text()}`);
    return res.status() === 204 ? {} : ((await res.json()) as Record<string, unknown>);
  };
  const first = VIEWER.password !== VIEWER.changed;
  const login = await post("/auth/login", { username: VIEWER.username, password: VIEWER.password });
  assert.equal(login.role, "viewer");
  const { challengeId, nonce } = (await post("/auth/mfa/sm2/challenge")) as { challengeId: string; nonce: string };
  const signature = signChallenge(nonce, VIEWER.key);
  if (login.next === "mfa-enroll") {
    await post("/auth/mfa/sm2/register", {
      publicKey: VIEWER.key.publicKey,
      label: "领导的 USB Key",
      challengeId,
      signature,
    });
  } else {
    assert.equal(login.next, "mfa-verify", "a role holder always presents a second factor");
    await post("/auth/mfa/sm2/verify", { challengeId, signature });
  }
  if (first) {
    await post("/auth/password", { currentPassword: VIEWER.password, newPassword: VIEWER.changed });
    VIEWER.password = VIEWER.changed;
  }
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  return { context, page, errors, close: () => context.close() };
}

async function openDashboard(page: Page): Promise<void> {
  await page.goto(`${harness.server.baseUrl}/`);
  await page.waitForURL(/\/leadership$/, { timeout: LOAD_MS });
  await page.getByTestId("page-leadership").waitFor({ timeout: LOAD_MS });
  await page.getByTestId(`sla-card-${seeded.portal}`).waitFor({ timeout: LOAD_MS });
  await page.getByTestId(`uptime-row-${seeded.portal}`).waitFor({ timeout: LOAD_MS });
  await page.getByTestId("open-incidents").waitFor({ timeout: LOAD_MS });
}

test(
  "the viewer lands on the leadership dashboard and sees availability, uptime bars, trend and open incidents",
  {
    timeout: 300_000,
  },
  async () => {
    const session = await openViewer(harness.browser, "zh-CN");
    await harness.inBrowser("leadership-zh", session, async (page) => {
      await openDashboard(page);
      assert.equal(await page.getByTestId("header-role").textContent(), "领导（只读）");

      // Cards: 门户 has been up all month (green); 通讯 reports itself down right now (red, below target).
      const portalCard = page.getByTestId(`sla-card-${seeded.portal}`);
      assert.equal(await portalCard.getAttribute("data-level"), "green");
      assert.match((await portalCard.textContent()) ?? "", /统一门户[\s\S]*100\.00%[\s\S]*目标 99\.90%/);
      const imCard = page.getByTestId(`sla-card-${seeded.im}`);
      await page.waitForFunction(
        (id) => document.querySelector(`[data-testid="sla-card-${id}"]`)?.getAttribute("data-level") === "red",
        seeded.im,
        { timeout: LOAD_MS },
      );
      assert.match((await imCard.textContent()) ?? "", /即时通讯[\s\S]*未达标/);

      // Uptime bars: one per day for 90 days, today's green for 门户; on the server database the seeded history.
      const bars = page.locator(`[data-testid^="uptime-bar-${seeded.portal}-"]`);
      assert.equal(await bars.count(), 90);
      assert.equal(await bars.last().getAttribute("data-level"), "green");
      if (seeded.history) {
        const levels = await bars.evaluateAll((els) => els.map((el) => el.getAttribute("data-level")));
        assert.equal(levels.filter((l) => l === "red").length, 1, `one red day (the outage hour): ${levels.join(",")}`);
        assert.ok(levels.filter((l) => l === "grey").length >= 4, "the silent days are grey (no data)");
        assert.ok(levels.filter((l) => l === "green").length >= 80, "the other days are green");
        // The red bar's tooltip gives the day's availability: 23 of 24 hours up.
        await bars.nth(levels.indexOf("red")).hover();
        await page.getByRole("tooltip").filter({ hasText: "95.833" }).waitFor();
      }
      const imBars = page.locator(`[data-testid^="uptime-bar-${seeded.im}-"]`);
      assert.equal(await imBars.last().getAttribute("data-level"), "red");

      // Trend: the pooled line against the dashed target.
      assert.ok(((await page.getByTestId("trend-line").getAttribute("d")) ?? "").startsWith("M"), "a line is drawn");
      assert.ok(((await page.getByTestId("trend-target").getAttribute("d")) ?? "").length > 0, "the target is drawn");

      // Incidents by grade, and countdowns that tick every second.
      assert.equal(await page.getByTestId("incident-count-I").getAttribute("data-count"), "1");
      assert.equal(await page.getByTestId("incident-count-II").getAttribute("data-count"), "0");
      assert.equal(await page.getByTestId("incident-count-III").getAttribute("data-count"), "1");
      const rows = page.locator('[data-testid^="open-incident-INC-"]');
      assert.equal(await rows.count(), 2);
      assert.match((await rows.first().textContent()) ?? "", /即时通讯消息发送失败/, "soonest fix deadline first");
      const countdown = page.locator('[data-testid^="respond-INC-"]').first();
      const before = await countdown.textContent();
      await page.waitForTimeout(1_500);
      assert.notEqual(await countdown.textContent(), before, "the countdown ticks");
      assert.match(before ?? "", /剩余|超时/);

      // Only the dashboard: no admin page in the menu.
      await page.getByTestId("menu-leadership").waitFor();
      for (const admin of ["users", "tenants", "monitors", "policies", "audit-events", "scoped-admins"]) {
        assert.equal(await page.getByTestId(`menu-${admin}`).count(), 0, `no ${admin} in the viewer's menu`);
      }
      await settled(page);
      await page.screenshot({ path: "/tmp/leadership-zh.png" });

      // An admin page by URL: the 403 page; and the server refuses the admin API whatever the console shows.
      await page.goto(`${harness.server.baseUrl}/system/users`);
      await page.locator(".ant-result-403").waitFor({ timeout: LOAD_MS });
      assert.match((await page.locator(".ant-result-403").textContent()) ?? "", /无权访问/);
      for (const url of ["/api/v1/users", "/api/v1/monitors", "/api/v1/audit/events"]) {
        const res = await session.context.request.get(`${harness.server.baseUrl}${url}`);
        assert.equal(res.status(), 403, url);
        assert.equal(((await res.json()) as { code: string }).code, "FORBIDDEN");
      }
      const write = await session.context.request.post(`${harness.server.baseUrl}/api/v1/incidents`, {
        data: { title: "领导不能开事件", grade: "IV" },
      });
      assert.equal(write.status(), 403, "read-only: the viewer opens no incident");
    });
  },
);

test("the dashboard in English", { timeout: 180_000 }, async () => {
  const session = await openViewer(harness.browser, "en");
  await harness.inBrowser("leadership-en", session, async (page) => {
    await openDashboard(page);
    assert.equal(await page.getByTestId("header-role").textContent(), "Leadership (read-only)");
    assert.match((await page.getByTestId(`sla-card-${seeded.im}`).textContent()) ?? "", /Below target/);
    assert.match((await page.getByTestId("open-incidents").textContent()) ?? "", /Respond by[\s\S]*Fix by/);
    await settled(page);
    await page.screenshot({ path: "/tmp/leadership-en.png" });
  });
});

test(
  "the system administrator sees the dashboard too (read Sla), among its own pages",
  { timeout: 180_000 },
  async () => {
    const session = await openSignedIn(harness.browser, harness.server.baseUrl, sysadmin);
    await harness.inBrowser("leadership-sysadmin", session, async (page) => {
      await page.goto(`${harness.server.baseUrl}/leadership`);
      await page.getByTestId(`sla-card-${seeded.portal}`).waitFor({ timeout: LOAD_MS });
      await page.getByTestId("menu-users").waitFor();
    });
  },
);

test(
  "secadmin sees the leadership accounts and takes the role back; the viewer's session ends",
  { timeout: 180_000 },
  async () => {
    const viewer = await openViewer(harness.browser, "zh-CN");
    const session = await openSignedIn(harness.browser, harness.server.baseUrl, secadmin);
    try {
      await harness.inBrowser("leadership-viewers", session, async (page) => {
        await page.goto(`${harness.server.baseUrl}/security/viewers`);
        const row = page.getByTestId("viewer-table").locator("tr", { hasText: VIEWER.username });
        await row.waitFor({ timeout: LOAD_MS });
        assert.match((await row.textContent()) ?? "", /李领导/);
        await row.getByTestId("viewer-revoke").click();
        await confirmOk(page);
        await row.waitFor({ state: "detached", timeout: LOAD_MS });
      });
      const me = await viewer.context.request.get(`${harness.server.baseUrl}/api/v1/auth/me`);
      assert.equal(me.status(), 401, "taking the role back ends the viewer's sessions");
    } finally {
      await viewer.close();
    }
  },
);
