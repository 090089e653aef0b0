import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import type { Page } from "playwright-core";
import { adminAccount, openSignedIn, settled } from "./adminSession";
import { confirmOk, useConsoleHarness } from "./harness";

/**
 * The sysadmin's incident handling in a real browser against the real server: an incident opened by hand
 * (grade II), its response countdown running; acknowledged, commented, resolved; closing refused until the
 * post-incident review is complete, then closed with it; the board's filters and statistics. Then a console
 * channel and its test send, and the header's message centre showing what the server delivered.
 * Screenshots go to /tmp/incidents-*.png and /tmp/alerts-*.png.
 */

const sysadmin = adminAccount("sysadmin");
const LOAD_MS = 60_000;
const shot = (name: string) => `/tmp/${name}.png`;

const harness = useConsoleHarness();

async function openPage(page: Page, route: string, name: string): Promise<void> {
  await page.goto(`${harness.server.baseUrl}${route}`);
  await page.getByTestId(`page-${name}`).waitFor({ timeout: LOAD_MS });
}

async function pickOption(page: Page, testId: string, label: string): Promise<void> {
  await page.getByTestId(testId).click();
  await page.locator(".ant-select-dropdown:visible .ant-select-item-option").filter({ hasText: label }).click();
}

/** Waits until the drawer's state tag says `state`. */
async function drawerState(page: Page, state: string): Promise<void> {
  await page.locator(`[data-testid="incident-detail-state"][data-state="${state}"]`).waitFor();
}

test("sysadmin opens an incident by hand and takes it to closed with a review", { timeout: 300_000 }, async () => {
  const session = await openSignedIn(harness.browser, harness.server.baseUrl, sysadmin, "zh-CN");
  await harness.inBrowser("incidents", session, async (page) => {
    await openPage(page, "/system/incidents", "incidents");
    await page.getByTestId("incident-stats").waitFor();

    // Opened by hand: the drawer opens on it, open, grade II, the response countdown running.
    await page.getByTestId("incident-create").click();
    await page.waitForFunction(() => document.activeElement?.getAttribute("data-testid") === "incident-title");
    await page.getByTestId("incident-title").fill("统一身份认证服务不可用");
    await pickOption(page, "incident-grade", "II 级 较大");
    await page.getByTestId("incident-description").fill("登录接口返回 502，影响全部业务应用。");
    await page.getByTestId("incident-create-save").click();
    await page.getByTestId("incident-drawer").waitFor();
    await drawerState(page, "open");
    assert.equal(await page.getByTestId("incident-detail-grade").textContent(), "II 级 较大");
    const respond = page.getByTestId("incident-detail-respond");
    assert.equal(await respond.getAttribute("data-kind"), "running");
    // II: respond within 15 minutes; the countdown shows the minutes left and ticks.
    const first = (await respond.textContent()) ?? "";
    assert.match(first, /^剩余 1[45]:\d\d$/, first);
    await page.waitForFunction((before) => {
      const now = document.querySelector('[data-testid="incident-detail-respond"]')?.textContent;
      return now !== before;
    }, first);
    const number = ((await page.locator(".ant-drawer-title").textContent()) ?? "").replace("事件 ", "");
    assert.match(number, /^INC-\d{4}-\d{4,}$/, number);
    await settled(page);
    await page.screenshot({ path: shot("incidents-opened") });

    // Acknowledge: the response deadline is met.
    await page.getByTestId("incident-acknowledge").click();
    await confirmOk(page);
    await drawerState(page, "acknowledged");
    assert.equal(await respond.getAttribute("data-kind"), "met");
    assert.equal(await respond.textContent(), "按时");

    // A comment lands on the timeline.
    await page.getByTestId("incident-comment").fill("已切换到备用节点，观察中。");
    await page.getByTestId("incident-comment-send").click();
    await page.locator('[data-testid="incident-event"][data-kind="comment"]').getByText("已切换到备用节点").waitFor();

    // Resolve; then closing needs the review: an empty one is refused in the form, nothing sent.
    await page.getByTestId("incident-resolve").click();
    await confirmOk(page);
    await drawerState(page, "resolved");
    assert.equal(await page.getByTestId("incident-detail-fix").getAttribute("data-kind"), "met");
    await page.getByTestId("incident-close").click();
    await page.getByTestId("review-impact").waitFor();
    await page.getByTestId("incident-review-save").click();
    await page.getByText("请填写影响范围").waitFor();
    await page.getByText("请至少填写一项改进措施").waitFor();
    await page.getByTestId("review-impact").fill("全部业务应用无法登录约 20 分钟");
    await page.getByTestId("review-share").fill("0.35");
    await page.getByTestId("review-root-cause").fill("认证服务数据库连接池耗尽");
    await page.getByTestId("review-actions").fill("连接池上限告警\n\n压测认证服务");
    await page.waitForTimeout(300);
    await page.screenshot({ path: shot("incidents-review") });
    await page.getByTestId("incident-review-save").click();
    await page.getByTestId("incident-review-save").waitFor({ state: "hidden" });
    await drawerState(page, "closed");
    const review = (await page.getByTestId("incident-review").textContent()) ?? "";
    assert.match(review, /认证服务数据库连接池耗尽/, review);
    assert.match(review, /压测认证服务/, review);
    assert.equal(await page.getByTestId("incident-acknowledge").count(), 0, "a closed incident has no moves");

    // The timeline: opened, acknowledged, comment, resolved, closed — in that order.
    const kinds = await page
      .getByTestId("incident-event")
      .evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-kind")));
    for (const kind of ["opened", "acknowledged", "comment", "resolved", "closed"]) {
      assert.ok(kinds.includes(kind), `timeline has ${kind}: ${kinds.join(", ")}`);
    }
    assert.ok(kinds.indexOf("acknowledged") < kinds.indexOf("resolved"), kinds.join(", "));
    await settled(page);
    await page.screenshot({ path: shot("incidents-drawer"), fullPage: true });
    await page.locator(".ant-drawer-close").click();
    await page.getByTestId("incident-drawer").waitFor({ state: "hidden" });

    // The board: the closed incident is not among the active ones, and is under 已关闭.
    await page.locator(`[data-testid="incident-row"][data-number="${number}"]`).waitFor({ state: "hidden" });
    await page.getByTestId("incident-state-filter").getByText("已关闭").click();
    await page.locator(`[data-testid="incident-row"][data-number="${number}"][data-state="closed"]`).waitFor();
    // Search by title (the server's q): a miss empties the board, the title finds it again.
    await page.getByTestId("incident-search").fill("没有这个事件");
    await page.getByTestId("incident-search").press("Enter");
    await page.locator(`[data-testid="incident-row"][data-number="${number}"]`).waitFor({ state: "hidden" });
    await page.getByTestId("incident-search").fill("身份认证");
    await page.getByTestId("incident-search").press("Enter");
    await page.locator(`[data-testid="incident-row"][data-number="${number}"]`).waitFor();

    // Statistics: one grade II incident, acknowledged and fixed on time.
    const grade2 = page.getByTestId("incident-stats").locator("tr", { hasText: "II 较大" });
    await page.waitForFunction(() =>
      [...document.querySelectorAll('[data-testid="incident-stats"] tr')].some(
        (tr) => tr.textContent?.includes("II 较大") && tr.textContent.includes("100%"),
      ),
    );
    const cells = await grade2.locator("td").allTextContents();
    assert.equal(cells[1], "1", cells.join(" | "));
    assert.equal(cells[4], "100%", cells.join(" | "));
    assert.equal(cells[5], "100%", cells.join(" | "));
    await settled(page);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: shot("incidents-board"), fullPage: true });
  });
});

test("the tenant's deadlines are checked as they are typed", { timeout: 180_000 }, async () => {
  const session = await openSignedIn(harness.browser, harness.server.baseUrl, sysadmin, "en");
  await harness.inBrowser("incidents-settings", session, async (page) => {
    await openPage(page, "/system/incidents", "incidents");
    await page.getByTestId("incident-settings").click();
    await page.getByTestId("deadline-I-respondMinutes").waitFor();
    // Grade I slower to respond than grade II: the server's rule says so before saving.
    await page.getByTestId("deadline-I-respondMinutes").fill("20");
    await page.getByTestId("deadline-problems").getByText("Grade I has a longer deadline than grade II.").waitFor();
    await page.getByTestId("deadline-I-respondMinutes").fill("10");
    await page.getByTestId("deadline-problems").waitFor({ state: "hidden" });
    await page.getByTestId("incident-settings-save").click();
    await page.getByTestId("incident-settings-save").waitFor({ state: "hidden" });
    // A new grade I incident gets the tenant's 10 minutes.
    await page.getByTestId("incident-create").click();
    await page.waitForFunction(() => document.activeElement?.getAttribute("data-testid") === "incident-title");
    await page.getByTestId("incident-title").fill("Mail gateway down");
    await pickOption(page, "incident-grade", "I Critical");
    await page.getByTestId("incident-create-save").click();
    await drawerState(page, "open");
    const left = (await page.getByTestId("incident-detail-respond").textContent()) ?? "";
    assert.match(left, /^(10:00|09:\d\d) left$/, left);
    await settled(page);
    await page.screenshot({ path: shot("incidents-drawer.en") });
  });
});

/** Waits until the header's unread count is at least `n`, polling by reopening nothing: the bell polls itself. */
async function unreadAtLeast(page: Page, n: number, timeout = 60_000): Promise<number> {
  await page.waitForFunction(
    (min) => Number(document.querySelector('[data-testid="message-unread"]')?.getAttribute("data-count") ?? 0) >= min,
    n,
    { timeout },
  );
  return Number(await page.getByTestId("message-unread").getAttribute("data-count"));
}

test(
  "a console channel, a rule that fires on a down monitor, silences, and the message centre",
  { timeout: 400_000 },
  async () => {
    const session = await openSignedIn(harness.browser, harness.server.baseUrl, sysadmin, "zh-CN");
    await harness.inBrowser("alerts", session, async (page) => {
      // A TCP monitor on a port nobody listens on: down at its first check.
      const monitor = await session.context.request.post(`${harness.server.baseUrl}/api/v1/monitors`, {
        data: {
          type: "tcp",
          name: "统一身份认证 TCP",
          intervalSeconds: 10,
          timeoutMs: 1000,
          host: "127.0.0.1",
          port: 1,
        },
      });
      assert.equal(monitor.status(), 201, await monitor.text());

      // The channel: console messages to the sysadmin role.
      await openPage(page, "/system/notification-channels", "notification-channels");
      await page.getByTestId("channel-create").click();
      await page.waitForFunction(() => document.activeElement?.getAttribute("data-testid") === "channel-name");
      await page.getByTestId("channel-name").fill("值班控制台");
      await pickOption(page, "channel-type", "控制台消息");
      await page.getByTestId("channel-roles").getByText("系统管理员").waitFor();
      await page.getByTestId("channel-save").click();
      await page.getByTestId("channel-save").waitFor({ state: "hidden" });
      const row = page.locator('[data-testid="channel-row"][data-name="值班控制台"]');
      await row.waitFor();
      assert.match((await row.textContent()) ?? "", /控制台消息.*系统管理员/);

      // Send test: delivered at once, into the delivery log and the message centre.
      const before = Number((await page.getByTestId("message-unread").getAttribute("data-count")) ?? 0);
      await row.getByTestId("channel-test").click();
      const outcome = page.getByTestId("channel-test-outcome");
      await outcome.waitFor();
      assert.equal(await outcome.getAttribute("data-ok"), "true", (await outcome.textContent()) ?? "");
      await unreadAtLeast(page, before + 1);
      await page.getByRole("tab", { name: "投递记录" }).click();
      await page
        .locator('[data-testid="delivery-row"][data-channel="值班控制台"][data-state="delivered"]')
        .first()
        .waitFor();
      await settled(page);
      await page.screenshot({ path: shot("alerts-deliveries"), fullPage: true });

      // A rule on that monitor, notifying the channel and opening a grade II incident.
      await openPage(page, "/system/alerts?tab=rules", "alerts");
      await page.getByTestId("rule-create").click();
      await page.waitForFunction(() => document.activeElement?.getAttribute("data-testid") === "rule-name");
      await page.getByTestId("rule-name").fill("身份服务不可用");
      await pickOption(page, "rule-monitors", "统一身份认证 TCP");
      await page.keyboard.press("Escape");
      await pickOption(page, "rule-severity", "严重");
      await pickOption(page, "rule-incident-grade", "II 级 较大");
      await pickOption(page, "rule-channels", "值班控制台");
      await page.keyboard.press("Escape");
      // The burn-rate form has its own fields; back to monitor state keeps that category's defaults.
      await pickOption(page, "rule-category", "SLA 消耗速率");
      await page.getByText("消耗速率窗口").waitFor();
      await pickOption(page, "rule-category", "监控状态");
      await page.getByTestId("rule-forChecks").waitFor();
      // The category change reset the parameters, monitors included: pick it again.
      await pickOption(page, "rule-monitors", "统一身份认证 TCP");
      await page.keyboard.press("Escape");
      await page.waitForTimeout(300);
      await page.screenshot({ path: shot("alerts-rule-editor") });
      await page.getByTestId("rule-save").click();
      await page.getByTestId("rule-save").waitFor({ state: "hidden" });
      const ruleRow = page.locator('[data-testid="rule-row"][data-name="身份服务不可用"]');
      assert.match((await ruleRow.getByTestId("rule-summary").textContent()) ?? "", /连续 1 次失败/);
      await settled(page);
      await page.screenshot({ path: shot("alerts-rules"), fullPage: true });

      // Silences: all-negated matchers are refused in the form; a selecting one is saved.
      await page.getByRole("tab", { name: "静默" }).click();
      await page.getByTestId("silence-create").click();
      await pickOption(page, "silence-label", "monitor_name");
      await pickOption(page, "silence-op", "不等于");
      await page.getByTestId("silence-value").fill("统一身份认证 TCP");
      await page.getByTestId("silence-save").click();
      await page.getByText("至少需要一个").waitFor();
      await pickOption(page, "silence-op", "正则匹配");
      await page.getByTestId("silence-value").fill("测试-.*");
      await page.getByTestId("silence-comment").fill("测试环境变更窗口");
      await page.getByTestId("silence-save").click();
      await page.getByTestId("silence-save").waitFor({ state: "hidden" });
      const silence = page.getByTestId("silence-row").first();
      assert.match((await silence.textContent()) ?? "", /monitor_name =~ 测试-\.\*.*生效中.*测试环境变更窗口/);
      await settled(page);
      await page.screenshot({ path: shot("alerts-silences"), fullPage: true });

      // The alert fires (first check within one interval, then the evaluator), with a grade II incident.
      await page.getByRole("tab", { name: "告警", exact: true }).click();
      const alert = page.locator('[data-testid="alert-row"][data-rule="身份服务不可用"]');
      await alert.waitFor({ timeout: 90_000 });
      assert.equal(await alert.getAttribute("data-state"), "firing");
      assert.match((await alert.getByTestId("alert-root-cause").textContent()) ?? "", /统一身份认证 TCP/);
      await alert.getByTestId("alert-incident").waitFor({ timeout: 30_000 });
      await settled(page);
      await page.screenshot({ path: shot("alerts-firing"), fullPage: true });
      await alert.getByTestId("alert-acknowledge").click();
      await confirmOk(page);
      await page.locator('[data-testid="alert-row"][data-rule="身份服务不可用"][data-state="acknowledged"]').waitFor();

      // Its incident, from the alert's link: grade II, opened by the system.
      await alert.getByTestId("alert-incident").click();
      await page.getByTestId("page-incidents").waitFor();
      await page.getByTestId("incident-drawer").waitFor();
      assert.equal(await page.getByTestId("incident-detail-grade").textContent(), "II 级 较大");
      // Escalation: the console channel first, then sysadmin in person.
      await page.getByTestId("incident-edit-contacts").click();
      await page.getByTestId("contact-add").click();
      await pickOption(page, "contact-kind", "通知渠道");
      await pickOption(page, "contact-channel", "值班控制台");
      await page.getByTestId("contact-add").click();
      await page.getByTestId("contact-user").last().click();
      await page.getByTestId("contact-user").last().locator("input").fill("sysadmin");
      await page
        .locator(".ant-select-dropdown:visible .ant-select-item-option")
        .filter({ hasText: "sysadmin" })
        .click();
      await page.keyboard.press("Escape");
      await page.getByTestId("incident-contacts-save").click();
      await page.getByTestId("incident-contacts-save").waitFor({ state: "hidden" });
      await page.getByTestId("incident-contacts").getByText("1. 通知渠道 值班控制台").waitFor();
      await page
        .getByTestId("incident-contacts")
        .getByText(/^2\. 用户 /)
        .waitFor();
      await settled(page);
      await page.screenshot({ path: shot("incidents-from-alert") });
      await page.locator(".ant-drawer-close").click();

      // The message centre: the test message (and the alert's, once the delivery job has sent it).
      await page.getByTestId("message-bell").click();
      const drawer = page.getByTestId("message-drawer");
      const testMessage = drawer
        .getByTestId("message-item")
        .filter({ hasText: "天枢通知渠道测试：值班控制台" })
        .first();
      await testMessage.waitFor();
      assert.equal(await testMessage.getAttribute("data-read"), "false");
      const unread = Number(await page.getByTestId("message-unread").getAttribute("data-count"));
      await testMessage.getByTestId("message-mark-read").click();
      await drawer
        .locator('[data-testid="message-item"][data-read="true"]')
        .filter({ hasText: "天枢通知渠道测试：值班控制台" })
        .first()
        .waitFor();
      await page.waitForFunction(
        (n) => Number(document.querySelector('[data-testid="message-unread"]')?.getAttribute("data-count")) === n,
        unread - 1,
      );
      await settled(page);
      await page.screenshot({ path: shot("alerts-messages") });
      await page.getByTestId("message-read-all").click();
      await page.waitForFunction(
        () => Number(document.querySelector('[data-testid="message-unread"]')?.getAttribute("data-count")) === 0,
      );
      await drawer.locator('[data-testid="message-item"][data-read="false"]').first().waitFor({ state: "detached" });
    });
  },
);

/** A webhook receiver that refuses (400) the first `refusals` requests, then accepts; it records each one. */
async function startReceiver(refusals: number) {
  const seen: { status: number; signature: string | undefined }[] = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const status = seen.length < refusals ? 400 : 200;
      seen.push({ status, signature: req.headers["x-tianshu-signature"] as string | undefined });
      res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : "bad request");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, seen, close: () => new Promise((r) => server.close(r)) };
}

test(
  "a webhook channel in English: write-only secret, a failed test, a failed delivery retried",
  { timeout: 400_000 },
  async () => {
    const receiver = await startReceiver(2);
    const session = await openSignedIn(harness.browser, harness.server.baseUrl, sysadmin, "en");
    try {
      await harness.inBrowser("channels.en", session, async (page) => {
        await openPage(page, "/system/notification-channels", "notification-channels");
        await page.getByTestId("channel-create").click();
        await page.waitForFunction(() => document.activeElement?.getAttribute("data-testid") === "channel-name");
        await page.getByTestId("channel-name").fill("Ops webhook");
        await pickOption(page, "channel-type", "Webhook");
        await page.getByTestId("channel-url").fill(receiver.url);
        await page.getByTestId("channel-secret").fill("too-short");
        await page.getByTestId("channel-save").click();
        await page.getByText("At least 16 characters").waitFor();
        await page.getByTestId("channel-secret").fill("s3cret-s3cret-s3cret-0123456789");
        // The dialog shrinks as the message goes: press Save once it has settled.
        await page.getByText("At least 16 characters").waitFor({ state: "hidden" });
        await page.getByTestId("channel-save").click();
        await page.getByTestId("channel-save").waitFor({ state: "hidden" });
        const row = page.locator('[data-testid="channel-row"][data-name="Ops webhook"]');
        assert.match((await row.textContent()) ?? "", /Webhook.*127\.0\.0\.1/);

        // Editing shows the stored secret as the mask only, and saving unchanged keeps it (the test is signed).
        await row.getByTestId("channel-edit").click();
        await page.getByTestId("channel-url").waitFor();
        assert.equal(await page.getByTestId("channel-secret").inputValue(), "******");
        await page.getByTestId("channel-save").click();
        await page.getByTestId("channel-save").waitFor({ state: "hidden" });

        // The test send meets the receiver's first refusal: the outcome says so, with the status.
        await row.getByTestId("channel-test").click();
        const outcome = page.getByTestId("channel-test-outcome");
        await outcome.waitFor();
        assert.equal(await outcome.getAttribute("data-ok"), "false");
        assert.match((await outcome.textContent()) ?? "", /Test failed/);
        assert.equal(receiver.seen.length, 1);
        assert.match(receiver.seen[0]?.signature ?? "", /^t=\d+,sm3=[0-9a-f]{64}$/);
        await settled(page);
        await page.screenshot({ path: shot("alerts-channels.en"), fullPage: true });

        // An alert on a down monitor notifies the channel: refused (400, not retryable), so failed at once.
        const api = `${harness.server.baseUrl}/api/v1`;
        const monitor = await session.context.request.post(`${api}/monitors`, {
          data: {
            type: "tcp",
            name: "Mail relay TCP",
            intervalSeconds: 10,
            timeoutMs: 1000,
            host: "127.0.0.1",
            port: 1,
          },
        });
        assert.equal(monitor.status(), 201, await monitor.text());
        const channels = (await (await session.context.request.get(`${api}/notification-channels?q=Ops`)).json()) as {
          id: string;
        }[];
        const rule = await session.context.request.post(`${api}/alert-rules`, {
          data: {
            name: "Mail relay down",
            category: "monitor_state",
            severity: "warning",
            channelIds: channels.map((c) => c.id),
            params: { selector: { monitorIds: [((await monitor.json()) as { id: string }).id] } },
          },
        });
        assert.equal(rule.status(), 201, await rule.text());
        await page.getByRole("tab", { name: "Delivery log" }).click();
        const failed = page.locator(
          '[data-testid="delivery-row"][data-channel="Ops webhook"][data-source="alert"][data-state="failed"]',
        );
        await failed.first().waitFor({ timeout: 120_000 });
        assert.match((await failed.first().textContent()) ?? "", /400/);
        // The failed test has no retry button; the failed alert delivery has.
        const test = page.locator('[data-testid="delivery-row"][data-channel="Ops webhook"][data-source="test"]');
        assert.equal(await test.getByTestId("delivery-retry").count(), 0);
        await settled(page);
        await page.screenshot({ path: shot("alerts-deliveries.en"), fullPage: true });

        // Retried: queued again, and the receiver now accepts it.
        await failed.first().getByTestId("delivery-retry").click();
        await confirmOk(page);
        await page
          .locator(
            '[data-testid="delivery-row"][data-channel="Ops webhook"][data-source="alert"][data-state="delivered"]',
          )
          .first()
          .waitFor({ timeout: 60_000 });
        assert.ok(receiver.seen.some((r) => r.status === 200));
      });
    } finally {
      await receiver.close();
    }
  },
);
