import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import type { APIRequestContext, Page } from "playwright-core";
import { adminAccount, openSignedIn, problemText, settled } from "./adminSession";
import { ARTIFACTS, clickUntilGone, confirmOk, useConsoleHarness } from "./harness";

/**
 * The organisation pages against the real server in a real browser: dimensions and posts, the department
 * tree (create, drag to move, the server's 400 for a cycle and 409 for a stale version and a non-empty
 * department, search by pinyin initials, members), and tenants (one-time passwords shown once, disable).
 */

const HAN = /[\u4e00-\u9fff]/;
const sysadmin = adminAccount("sysadmin");
const harness = useConsoleHarness();
const { inBrowser } = harness;

interface Dept {
  id: string;
  parentId: string | null;
  version: number;
  name: string;
}

async function api<T>(request: APIRequestContext, method: "get" | "post" | "patch", url: string, init: object = {}) {
  const res = await request[method](`${harness.server.baseUrl}/api/v1${url}`, init);
  if (!res.ok()) throw new Error(`${method.toUpperCase()} ${url}: ${res.status()} ${await res.text()}`);
  return (await res.json()) as T;
}

const node = (page: Page, name: string) => page.locator(`[data-testid="dept-node"][data-name="${name}"]`);

/** Opens a node's action menu and picks an entry by its visible label. */
async function nodeAction(page: Page, name: string, label: string): Promise<void> {
  await node(page, name).getByTestId("dept-actions").click();
  // A click that lands while the menu is still sliding in can be lost (seen once in CI on the embedded
  // run): a chosen item closes the menu, so it is clicked until it has.
  await clickUntilGone(page.locator(".ant-dropdown:visible").getByText(label, { exact: true }));
}

/**
 * Drags one node onto another so antd's tree drops it inside the target: rc-tree decides "inside" from the
 * pointer ending in the lower half of the target row, well to the right of where the drag started.
 */
async function dragInto(page: Page, from: string, to: string): Promise<void> {
  const source = await node(page, from).boundingBox();
  const target = await node(page, to).boundingBox();
  assert.ok(source && target, "both nodes are on screen");
  const startX = source.x + 4;
  await page.mouse.move(startX, source.y + source.height / 2);
  await page.mouse.down();
  await page.mouse.move(startX + 20, source.y + source.height / 2, { steps: 4 });
  await page.mouse.move(Math.max(startX, target.x) + 80, target.y + target.height * 0.75, { steps: 12 });
  await page.mouse.up();
}

async function createViaDialog(page: Page, name: string): Promise<void> {
  await page.getByTestId("dept-name").fill(name);
  await page.getByTestId("dialog-ok").click();
  await node(page, name).waitFor();
}

test(
  "dimensions, posts and the department tree: create, drag to move, cycle 400, stale 409",
  { timeout: 240_000 },
  async () => {
    const session = await openSignedIn(harness.browser, harness.server.baseUrl, sysadmin);
    const request = session.context.request;
    await inBrowser("org", session, async (page) => {
      // Dimensions: create through the dialog.
      await page.goto(`${harness.server.baseUrl}/system/dimensions`);
      await page.getByTestId("row-create").click();
      await page.getByTestId("field-code").fill("admin");
      await page.getByTestId("field-name").fill("行政架构");
      await page.getByTestId("dialog-ok").click();
      await page.locator('[data-testid="crud-row"][data-name="行政架构"]').waitFor();
      // A duplicate code: the server's Chinese message, inside the dialog.
      await page.getByTestId("row-create").click();
      await page.getByTestId("field-code").fill("admin");
      await page.getByTestId("field-name").fill("重复的维度");
      await page.getByTestId("dialog-ok").click();
      assert.match((await problemText(page, "dialog-problem")).text, HAN);
      await page.screenshot({ path: path.join(ARTIFACTS, "dimensions.png"), fullPage: true });
      await page.keyboard.press("Escape");

      // Posts.
      await page.goto(`${harness.server.baseUrl}/system/posts`);
      await page.getByTestId("row-create").click();
      await page.getByTestId("field-code").fill("KY");
      await page.getByTestId("field-name").fill("科员");
      await page.getByTestId("dialog-ok").click();
      await page.locator('[data-testid="crud-row"][data-name="科员"]').waitFor();
      await page.screenshot({ path: path.join(ARTIFACTS, "posts.png"), fullPage: true });

      // The tree: a root and three levels, created through the page.
      await page.goto(`${harness.server.baseUrl}/system/org-units`);
      await page.getByText("该维度下还没有部门").waitFor();
      await page.getByTestId("dept-create-root").click();
      await createViaDialog(page, "市政府");
      await nodeAction(page, "市政府", "新建下级部门");
      await createViaDialog(page, "办公厅");
      await nodeAction(page, "市政府", "新建下级部门");
      await createViaDialog(page, "财政局");
      await nodeAction(page, "财政局", "新建下级部门");
      await createViaDialog(page, "预算处");

      const dimension = (await api<{ id: string }[]>(request, "get", "/dimensions"))[0] as { id: string };
      const byName = async (name: string) => {
        const rows = await api<Dept[]>(
          request,
          "get",
          `/departments?dimensionId=${dimension.id}&q=${encodeURIComponent(name)}`,
        );
        const found = rows.find((row) => row.name === name);
        assert.ok(found, `department ${name} exists`);
        return found;
      };
      const office = await byName("办公厅");
      const finance = await byName("财政局");

      // Members of the selected department (GET /users?departmentId=…).
      const post = (await api<{ id: string }[]>(request, "get", "/posts"))[0] as { id: string };
      await api(request, "post", "/users", {
        data: {
          username: "zhang.wei",
          displayName: "张伟",
          memberships: [{ departmentId: office.id, isPrimary: true, postId: post.id, title: "主任" }],
        },
      });
      await node(page, "办公厅").click();
      await page.getByTestId("members-table").getByText("张伟").waitFor();

      // Drag 预算处 onto 办公厅: a confirmation, then the move.
      await dragInto(page, "预算处", "办公厅");
      await page.locator(".ant-modal-confirm-title").getByText("将「预算处」移动到「办公厅」下？").waitFor();
      await confirmOk(page);
      await page.getByText("已将「预算处」移动到「办公厅」下").waitFor();
      assert.equal((await byName("预算处")).parentId, office.id, "the server moved it");
      // Shown once, under its new parent (the tree is a flat virtual list: the row follows 办公厅's).
      await page.waitForFunction(() => {
        const names = [...document.querySelectorAll('[data-testid="dept-node"]')].map((n) =>
          n.getAttribute("data-name"),
        );
        return names.filter((n) => n === "预算处").length === 1 && names[names.indexOf("办公厅") + 1] === "预算处";
      });

      // Another admin moves 财政局 under 办公厅; this page still shows them as siblings. Dragging 办公厅 onto
      // 财政局 would now make a cycle: the server refuses with 400 and the page says so in Chinese.
      await api(request, "post", `/departments/${finance.id}/move`, {
        data: { parentId: office.id },
        headers: { "If-Match": `"${finance.version}"` },
      });
      await dragInto(page, "办公厅", "财政局");
      await confirmOk(page);
      const cycle = await problemText(page, "org-error");
      assert.equal(cycle.status, "400");
      assert.match(cycle.text, /不能把部门移动到其自身或其下级部门之下/);
      assert.equal((await byName("办公厅")).parentId, (await byName("市政府")).id, "nothing was written");
      await settled(page);
      await page.screenshot({ path: path.join(ARTIFACTS, "org-cycle.png"), fullPage: true });

      // Two admins renaming the same department: the second (this page, holding the old version) gets 409.
      const fresh = await byName("办公厅");
      await api(request, "patch", `/departments/${fresh.id}`, {
        data: { name: "市政府办公厅" },
        headers: { "If-Match": `"${fresh.version}"` },
      });
      await nodeAction(page, "办公厅", "重命名");
      await page.getByTestId("dept-name").fill("办公室");
      await page.getByTestId("dialog-ok").click();
      const stale = await problemText(page, "dialog-problem");
      assert.equal(stale.status, "409");
      assert.match(stale.text, /已被他人修改/);
      await page.screenshot({ path: path.join(ARTIFACTS, "org-stale.png"), fullPage: true });
      await page.getByRole("button", { name: "取 消" }).click();
      await node(page, "市政府办公厅").waitFor(); // the 409 reloaded the level

      // Deleting a department that still has sub-departments: 409 with the reason.
      await nodeAction(page, "市政府", "删除");
      await confirmOk(page);
      const notEmpty = await problemText(page, "org-error");
      assert.equal(notEmpty.status, "409");
      assert.match(notEmpty.text, /仍有子部门/);

      // Search by pinyin initials reveals a department three levels down.
      await page.goto(`${harness.server.baseUrl}/system/org-units`);
      await node(page, "市政府").waitFor();
      await page.getByTestId("dept-search").fill("ysc");
      await page.getByTestId("dept-search").press("Enter");
      await page.getByTestId("dept-search-result").filter({ hasText: "预算处" }).click();
      await page.getByTestId("dept-detail").getByText("预算处").first().waitFor();
      await node(page, "预算处").waitFor();
      await node(page, "市政府办公厅").click();
      await page.getByTestId("members-table").getByText("张伟").waitFor();
      await settled(page);
      await page.screenshot({ path: path.join(ARTIFACTS, "org.png"), fullPage: true });
    });

    // The same pages in English.
    const en = await openSignedIn(harness.browser, harness.server.baseUrl, sysadmin, "en");
    await inBrowser("org.en", en, async (page) => {
      for (const [route, shot] of [
        ["/system/dimensions", "dimensions.en.png"],
        ["/system/posts", "posts.en.png"],
      ] as const) {
        await page.goto(`${harness.server.baseUrl}${route}`);
        await page.locator('[data-testid="crud-row"]').first().waitFor();
        await page.screenshot({ path: path.join(ARTIFACTS, shot), fullPage: true });
      }
      await page.goto(`${harness.server.baseUrl}/system/org-units`);
      await node(page, "市政府").waitFor();
      await node(page, "市政府办公厅").click();
      await page.getByTestId("members-table").getByText("张伟").waitFor();
      await nodeAction(page, "市政府", "Delete");
      await confirmOk(page);
      assert.match((await problemText(page, "org-error")).text, /sub-departments/);
      await settled(page);
      await page.screenshot({ path: path.join(ARTIFACTS, "org.en.png"), fullPage: true });
    });
  },
);

test("tenants: create shows the three one-time passwords once; disable and enable", { timeout: 120_000 }, async () => {
  for (const locale of ["zh-CN", "en"] as const) {
    const session = await openSignedIn(harness.browser, harness.server.baseUrl, sysadmin, locale);
    const code = locale === "en" ? "gov-sz" : "gov-hz";
    await inBrowser(`tenants.${locale}`, session, async (page) => {
      await page.goto(`${harness.server.baseUrl}/system/tenants`);
      await page.locator('[data-testid="tenant-row"]').first().waitFor();
      await page.getByTestId("tenant-create").click();
      await page.getByTestId("tenant-code").fill(code);
      await page.getByTestId("tenant-name").fill(locale === "en" ? "深圳市" : "杭州市");
      await page.getByTestId("dialog-ok").click();
      const secrets = page.getByTestId("secret-value");
      await secrets.first().waitFor();
      assert.equal(await secrets.count(), 3, "one one-time password per admin role");
      for (const value of await secrets.allTextContents()) assert.ok(value.trim().length >= 12, value);
      const shot = locale === "en" ? "tenant-passwords.en.png" : "tenant-passwords.png";
      await page.screenshot({ path: path.join(ARTIFACTS, shot), fullPage: true });
      await page.getByTestId("secret-done").click();
      assert.equal(await page.getByTestId("secret-value").count(), 0, "shown once");

      const row = page.locator(`[data-testid="tenant-row"][data-code="${code}"]`);
      await row.getByTestId("tenant-disable").click();
      await confirmOk(page);
      await row.getByTestId("tenant-enable").waitFor();
      await page.screenshot({
        path: path.join(ARTIFACTS, locale === "en" ? "tenants.en.png" : "tenants.png"),
        fullPage: true,
      });
      await row.getByTestId("tenant-enable").click();
      await confirmOk(page);
      await row.getByTestId("tenant-disable").waitFor();
    });
  }
});
