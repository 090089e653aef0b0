import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import type { APIRequestContext, Page } from "playwright-core";
import { adminAccount, openSignedIn, settled } from "./adminSession";
import { ARTIFACTS, useConsoleHarness, confirmOk } from "./harness";

/**
 * The authorization pages against the real server in a real browser: a policy from draft (with the
 * server's validation errors shown at their line) through the simulator and the diff to publishing; a
 * scoped admin granted under the two-person rule and approved by the other admin role; API clients.
 */

const sysadmin = adminAccount("sysadmin");
const secadmin = adminAccount("secadmin");
const harness = useConsoleHarness(createFixture);
const { inBrowser } = harness;
/** Set up through the API by the sysadmin: a department and an ordinary user with clearance level 3. */
let fixture: { dimensionId: string; departmentId: string; userId: string };

async function api<T>(request: APIRequestContext, method: "get" | "post" | "put", url: string, init: object = {}) {
  const res = await request[method](`${harness.server.baseUrl}/api/v1${url}`, init);
  if (!res.ok()) throw new Error(`${method.toUpperCase()} ${url}: ${res.status()} ${await res.text()}`);
  return { body: (await res.json()) as T, headers: res.headers() };
}

/** Runs in the harness's before hook, once the server and the browser are up. */
async function createFixture(): Promise<void> {
  const session = await openSignedIn(harness.browser, harness.server.baseUrl, sysadmin);
  try {
    const request = session.context.request;
    const dimension = await api<{ id: string }>(request, "post", "/dimensions", {
      data: { code: "admin", name: "行政架构", kind: "administrative" },
    });
    const department = await api<{ id: string }>(request, "post", "/departments", {
      data: { dimensionId: dimension.body.id, parentId: null, name: "档案局" },
    });
    const user = await api<{ user: { id: string } }>(request, "post", "/users", {
      data: {
        username: "li.na",
        displayName: "李娜",
        clearanceLevel: 3,
        memberships: [{ departmentId: department.body.id, isPrimary: true }],
      },
    });
    fixture = { dimensionId: dimension.body.id, departmentId: department.body.id, userId: user.body.user.id };
  } finally {
    await session.close();
  }
}

/** Types into an antd select's search box and picks the option whose label contains `label`. */
async function pickOption(page: Page, testId: string, search: string, label: string): Promise<void> {
  await page.getByTestId(testId).click();
  await page.getByTestId(testId).locator("input").fill(search);
  await page.locator(".ant-select-dropdown:visible .ant-select-item-option").filter({ hasText: label }).click();
}

/** Replaces the text of the policy editor (a textarea: fill replaces it whole). */
async function setDocument(page: Page, testId: string, document: unknown): Promise<void> {
  await page.getByTestId(testId).fill(JSON.stringify(document, null, 2));
}

const READ_BY_CLEARANCE = {
  effect: "allow",
  actions: ["read"],
  resource: "Document",
  description: "Staff read documents up to their clearance level",
  conditions: [
    { attribute: "resource.classificationLevel", operator: "lte", value: { ref: "subject.clearanceLevel" } },
  ],
};

test("a policy from draft through simulation and diff to publishing", { timeout: 240_000 }, async () => {
  for (const locale of ["zh-CN", "en"] as const) {
    const session = await openSignedIn(harness.browser, harness.server.baseUrl, secadmin, locale);
    const zh = locale === "zh-CN";
    const name = zh ? "公文密级访问" : "Document clearance";
    await inBrowser(`policies.${locale}`, session, async (page) => {
      await page.goto(`${harness.server.baseUrl}/security/policies`);
      await page.getByTestId("policy-create").click();
      await page.getByTestId("policy-name").fill(name);
      // An unknown attribute: 400, the server's issue listed at its path and line, nothing created.
      const bad = {
        rules: [
          { ...READ_BY_CLEARANCE, conditions: [{ attribute: "resource.secretLevel", operator: "lte", value: 2 }] },
        ],
      };
      await setDocument(page, "policy-document", bad);
      await page.getByTestId("dialog-ok").click();
      const issue = page.getByTestId("policy-issue").first();
      await issue.waitFor();
      assert.equal(await issue.getAttribute("data-path"), "rules[0].conditions[0].attribute");
      assert.match((await issue.textContent()) ?? "", zh ? /第 \d+ 行.*未知属性/ : /line \d+.*Unknown attribute/);
      await page.screenshot({
        path: path.join(ARTIFACTS, zh ? "policy-invalid.png" : "policy-invalid.en.png"),
        fullPage: true,
      });

      await setDocument(page, "policy-document", { rules: [READ_BY_CLEARANCE] });
      await page.getByTestId("dialog-ok").click();
      await page.getByTestId("policy-title").getByText(name).waitFor();
      await page.locator('[data-testid="version-row"][data-version="1"][data-status="draft"]').waitFor();

      // The diff of draft v1 against what is in force (nothing yet): 李娜's reads of documents flip to allowed.
      await page.getByRole("tab", { name: zh ? "影响对比" : "Impact" }).click();
      await page.getByTestId("diff-run").click();
      await page.getByTestId("diff-summary").waitFor();
      const rows = page.getByTestId("diff-table").locator("tbody tr.ant-table-row");
      // (The English pass runs after the Chinese policy is published, which already decides these reads.)
      if (zh) await rows.first().waitFor();
      if (zh)
        assert.ok(
          (await rows.allTextContents()).some((row) => row.includes("li.na")),
          "李娜's decision changes",
        );
      await settled(page);
      await page.screenshot({
        path: path.join(ARTIFACTS, zh ? "policy-diff.png" : "policy-diff.en.png"),
        fullPage: true,
      });

      await page.getByRole("tab", { name: zh ? "文档" : "Document" }).click();

      // A second draft with an invalid CIDR: refused at its path; then corrected and saved as v2.
      const denyOutside = {
        effect: "deny",
        actions: ["read"],
        resource: "Document",
        conditions: [{ attribute: "environment.ip", operator: "notInCidr", value: ["10.0.0.0/33"] }],
      };
      await setDocument(page, "policy-document", { rules: [READ_BY_CLEARANCE, denyOutside] });
      await page.getByTestId("save-draft").click();
      const cidr = page.getByTestId("policy-issue").first();
      await cidr.waitFor();
      assert.equal(await cidr.getAttribute("data-path"), "rules[1].conditions[0].value[0]");
      const corrected = { ...denyOutside, conditions: [{ ...denyOutside.conditions[0], value: ["10.0.0.0/8"] }] };
      await setDocument(page, "policy-document", { rules: [READ_BY_CLEARANCE, corrected] });
      await page.getByTestId("save-draft").click();
      await page.locator('[data-testid="version-row"][data-version="2"][data-status="draft"]').waitFor();

      // Simulate with the draft: 李娜 (clearance 3) reads a level-2 document from inside 10/8 — allowed by
      // the draft's rule 1; against the published set (nothing published yet) — denied.
      await page.getByRole("tab", { name: zh ? "模拟" : "Simulate" }).click();
      await pickOption(page, "sim-user", "li", "李娜");
      await page.getByTestId("sim-action").locator("input").fill("read");
      await page.getByTestId("sim-resource").locator("input").fill("Document");
      await page.getByTestId("sim-resource-attributes").fill('{"classificationLevel": 2}');
      await page.getByLabel(zh ? "客户端 IP" : "Client IP").fill("10.1.2.3");
      await page.getByTestId("sim-run").click();
      const decision = page.getByTestId("sim-decision");
      await decision.waitFor();
      assert.equal(await decision.getAttribute("data-allowed"), "true");
      await page.getByTestId("sim-decisive").getByText(name).waitFor();
      await settled(page);
      await page.screenshot({
        path: path.join(ARTIFACTS, zh ? "policy-simulate.png" : "policy-simulate.en.png"),
        fullPage: true,
      });
      if (zh) {
        // Without the draft nothing is published yet: denied by default. (The English pass runs after the
        // Chinese policy is in force, which allows this read.)
        await page.getByTestId("sim-use-draft").click();
        await page.getByTestId("sim-run").click();
        await page.locator('[data-testid="sim-decision"][data-allowed="false"]').waitFor();
      }

      // Publish v2: it is the version in force, v1 stays a draft.
      await page.locator('[data-testid="version-row"][data-version="2"]').getByTestId("version-publish").click();
      await confirmOk(page);
      await page.locator('[data-testid="version-row"][data-version="2"][data-status="published"]').waitFor();
      await page.getByText(zh ? "生效中 v2" : "In force: v2").waitFor();
      await settled(page);
      await page.screenshot({ path: path.join(ARTIFACTS, zh ? "policies.png" : "policies.en.png"), fullPage: true });
    });
  }
});

test(
  "a scoped admin granted under the two-person rule, approved by the other role; API clients",
  { timeout: 240_000 },
  async () => {
    // secadmin puts scoped-admin grants under the two-person rule (security settings, If-Match).
    const setup = await openSignedIn(harness.browser, harness.server.baseUrl, secadmin);
    try {
      const current = await api<{ settings: { twoPersonRule: { actions: string[] } } }>(
        setup.context.request,
        "get",
        "/security-settings",
      );
      const settings = current.body.settings;
      settings.twoPersonRule.actions = ["scopedAdmin.grant"];
      await api(setup.context.request, "put", "/security-settings", {
        data: { settings },
        headers: { "If-Match": current.headers.etag ?? "" },
      });
    } finally {
      await setup.close();
    }

    let approvalId = "";
    await inBrowser(
      "scoped-admins",
      await openSignedIn(harness.browser, harness.server.baseUrl, secadmin),
      async (page) => {
        await page.goto(`${harness.server.baseUrl}/security/scoped-admins`);
        await page.getByTestId("grant-create").click();
        await pickOption(page, "grant-user", "li", "李娜");
        await page.getByTestId("grant-dimension").click();
        await page
          .locator(".ant-select-dropdown:visible .ant-select-item-option")
          .filter({ hasText: "行政架构" })
          .click();
        await page.getByTestId("grant-department").click();
        await page.locator(".ant-select-dropdown:visible .ant-select-tree-title").filter({ hasText: "档案局" }).click();
        await page.getByLabel("管理用户").check();
        await page.screenshot({ path: path.join(ARTIFACTS, "scoped-admin-create.png"), fullPage: true });
        await page.getByTestId("dialog-ok").click();
        // 202: not granted yet, submitted for approval, with a link to the proposal.
        const notice = page.getByTestId("pending-approval");
        await notice.waitFor();
        await notice.getByRole("link").click();
        await page.waitForURL(/\/approvals\?id=/);
        approvalId = new URL(page.url()).searchParams.get("id") ?? "";
        const drawer = page.getByTestId("approval-drawer");
        await drawer.getByTestId("approval-payload").waitFor();
        // The proposer cannot approve its own proposal (another role decides), but may withdraw it.
        assert.equal(await drawer.getByTestId("approval-approve").count(), 0);
        await drawer.getByTestId("approval-cancel").waitFor();
        await settled(page);
        await page.screenshot({ path: path.join(ARTIFACTS, "approval-proposer.png"), fullPage: true });
      },
    );
    assert.match(approvalId, /^[0-9a-f-]{36}$/);

    for (const locale of ["zh-CN", "en"] as const) {
      await inBrowser(
        `approvals.${locale}`,
        await openSignedIn(harness.browser, harness.server.baseUrl, sysadmin, locale),
        async (page) => {
          // The Chinese pass approves the proposal; the English pass finds it among the approved ones.
          const res = await page.goto(
            `${harness.server.baseUrl}/approvals${locale === "en" ? "?status=approved" : ""}`,
          );
          if (res?.status() !== 200)
            throw new Error(
              `GET /approvals: ${res?.status()} ${JSON.stringify(res?.request().headers())} ${await res?.text()}`,
            );
          await page.locator('[data-testid="approval-row"][data-action="scopedAdmin.grant"]').first().click();
          const drawer = page.getByTestId("approval-drawer");
          await drawer.getByTestId("approval-payload").waitFor();
          // The approver reads names, with the ids that will be carried out beside them.
          const payloadText = (await drawer.getByTestId("approval-payload").textContent()) ?? "";
          assert.ok(payloadText.includes("档案局"), `the department by name: ${payloadText}`);
          assert.ok(payloadText.includes(fixture.departmentId), "and its id");
          await settled(page);
          await page.screenshot({
            path: path.join(ARTIFACTS, locale === "en" ? "approvals.en.png" : "approvals.png"),
            fullPage: true,
          });
          if (locale === "en") return;
          await drawer.getByTestId("approval-approve").click();
          await page.getByTestId("decision-reason").fill("复核通过");
          await page.getByTestId("decision-ok").click();
          await drawer.locator('[data-testid="approval-status-tag"][data-status="approved"]').waitFor();
        },
      );
    }

    for (const locale of ["zh-CN", "en"] as const) {
      await inBrowser(
        `grants.${locale}`,
        await openSignedIn(harness.browser, harness.server.baseUrl, secadmin, locale),
        async (page) => {
          // The approved grant is in force.
          await page.goto(`${harness.server.baseUrl}/security/scoped-admins`);
          await page.getByTestId("scoped-admin-table").getByText("档案局").waitFor();
          const { body: grants } = await api<{ userId: string; departmentId: string; actions: string[] }[]>(
            page.context().request,
            "get",
            "/scoped-admins",
          );
          assert.deepEqual(
            grants.map((g) => [g.userId, g.departmentId, g.actions]),
            [[fixture.userId, fixture.departmentId, ["users.manage", "view"]]],
            "the approved proposal granted exactly what was proposed",
          );
          await settled(page);
          await page.screenshot({
            path: path.join(ARTIFACTS, locale === "en" ? "scoped-admins.en.png" : "scoped-admins.png"),
            fullPage: true,
          });

          // An API client: its secret is shown once.
          await page.goto(`${harness.server.baseUrl}/security/api-clients`);
          await page.getByTestId("client-create").click();
          await page.getByTestId("client-name").fill(locale === "en" ? "Document workflow" : "公文系统");
          const orgRead = locale === "en" ? "Org read (org:read)" : "组织架构只读（org:read）";
          await page.getByTestId("client-scopes").getByText(orgRead).click();
          await page.getByTestId("dialog-ok").click();
          const secret = page.getByTestId("secret-value");
          await secret.waitFor();
          const token = ((await secret.textContent()) ?? "").trim();
          assert.match(token, /^[0-9a-f-]{36}\.[A-Za-z0-9_-]{40,}$/);
          // The scope chosen in the dialog is the one the server enforces: the feed answers this secret.
          const feed = await fetch(`${harness.server.baseUrl}/api/v1/org-changes?after=0`, {
            headers: { authorization: `Bearer ${token}` },
          });
          assert.equal(feed.status, 200, await feed.text());
          await page.getByTestId("api-client-table").getByText(orgRead).first().waitFor();
          await page.screenshot({
            path: path.join(ARTIFACTS, locale === "en" ? "api-client-secret.en.png" : "api-client-secret.png"),
            fullPage: true,
          });
          await page.getByTestId("secret-done").click();
          await page.getByTestId("client-revoke").first().click();
          await confirmOk(page);
          await page
            .getByTestId("api-client-table")
            .getByText(locale === "en" ? "Revoked" : "已撤销")
            .first()
            .waitFor();
          await settled(page);
          await page.screenshot({
            path: path.join(ARTIFACTS, locale === "en" ? "api-clients.en.png" : "api-clients.png"),
            fullPage: true,
          });
        },
      );
    }
  },
);
