import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import pg from "pg";
import { adminAccount, openSignedIn } from "./adminSession";
import { ARTIFACTS, useConsoleHarness } from "./harness";

/**
 * A broken chain as the audit admin sees it: "verify now" first says intact; then an event is changed behind
 * the application's back (in SQL, with the append-only trigger disabled, as a database superuser could), and
 * "verify now" names the position and the kind of tampering. Server PostgreSQL only: the embedded default's one
 * backend belongs to the server process, so the test has no second way in (the SQL tests in
 * api/src/audit/chain.http.test.ts cover every tampering kind on both databases).
 */
if (process.env.DATABASE_URL) {
  const harness = useConsoleHarness();

  test("verify now shows where the chain was broken", { timeout: 180_000 }, async () => {
    const session = await openSignedIn(harness.browser, harness.server.baseUrl, adminAccount("auditadmin"), "zh-CN");
    await harness.inBrowser("audit-verify-broken", session, async (page) => {
      await page.goto(`${harness.server.baseUrl}/audit/events`);
      await page.getByTestId("audit-chain-head").waitFor({ timeout: 60_000 });
      const verdict = page.getByTestId("audit-verify-result");
      await page.getByTestId("audit-verify").click();
      await page.locator('[data-testid="audit-verify-result"][data-ok="true"]').waitFor({ timeout: 60_000 });

      const forged = await forgeAnEvent(harness.server.databaseUrl as string);
      await page.getByTestId("audit-verify").click();
      await page.locator('[data-testid="audit-verify-result"][data-ok="false"]').waitFor({ timeout: 60_000 });
      const text = (await verdict.textContent()) ?? "";
      assert.ok(text.includes(`第 ${forged} 号事件（被篡改）`), `the verdict names the position and kind: ${text}`);
      assert.ok(text.includes("请保留数据库现状"), `and says what to do: ${text}`);
      await page.screenshot({ path: path.join(ARTIFACTS, "audit-verify-broken.png") });
    });
  });
}

/** Changes one sealed event's actor name behind the trigger; returns its chain position. */
async function forgeAnEvent(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ chain_seq: string }>(
      "SELECT chain_seq::text FROM audit_events WHERE chain_seq IS NOT NULL ORDER BY chain_seq OFFSET 1 LIMIT 1",
    );
    const position = rows[0]?.chain_seq;
    assert.ok(position, "there are sealed events to forge");
    await client.query("BEGIN");
    await client.query("ALTER TABLE audit_events DISABLE TRIGGER USER");
    await client.query("UPDATE audit_events SET actor_name = 'someone else' WHERE chain_seq = $1", [position]);
    await client.query("ALTER TABLE audit_events ENABLE TRIGGER USER");
    await client.query("COMMIT");
    return position;
  } finally {
    await client.end();
  }
}
