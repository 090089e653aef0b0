import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { serverUrl, silentLogger, type TestDatabase, testDatabase } from "../test/support/db";
import { electLeader } from "./leader";
import { insertMonitor, insertTenant } from "./testing-db";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const skip = serverUrl ? false : "leader election needs the server PostgreSQL (DATABASE_URL)";

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!(await cond())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
  return Date.now();
}

interface Worker {
  child: ChildProcess;
  leading: boolean;
  output: string[];
}

function spawnWorker(databaseUrl: string): Worker {
  const child = spawn(process.execPath, ["--import", "tsx", "monitors/worker.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      TIANSHU_MONITORS_POLL_MS: "1000",
      LOG_LEVEL: "info",
      NODE_ENV: "test",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const worker: Worker = { child, leading: false, output: [] };
  const read = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) {
      if (!line) continue;
      worker.output.push(line);
      if (line.includes('"monitors: leading"')) worker.leading = true;
    }
  };
  child.stdout?.on("data", read);
  child.stderr?.on("data", read);
  return worker;
}

describe("leader election", { skip }, () => {
  let database: TestDatabase;
  before(async () => {
    database = await testDatabase();
  });
  after(() => database?.close());

  test("two contenders in one process: exactly one holds the lock; the other takes over when it stops", async () => {
    const url = database.url as string;
    const led: string[] = [];
    const a = electLeader({
      connectionString: url,
      logger: silentLogger,
      pollMs: 200,
      onLead: () => led.push("a"),
      onLose() {},
    });
    await until("a to lead", () => a.holding(), 5_000);
    const b = electLeader({
      connectionString: url,
      logger: silentLogger,
      pollMs: 200,
      onLead: () => led.push("b"),
      onLose() {},
    });
    await sleep(1_000);
    assert.deepEqual(led, ["a"]);
    assert.equal(b.holding(), false);
    await a.stop();
    await until("b to lead", () => b.holding(), 5_000);
    assert.deepEqual(led, ["a", "b"]);
    await b.stop();
  });

  test("two worker processes: one probes; after SIGKILL of the leader the other leads within two intervals", async () => {
    const starts: number[] = [];
    const target = http.createServer((_req, res) => {
      starts.push(Date.now());
      res.end("ok");
    });
    await new Promise<void>((r) => target.listen(0, "127.0.0.1", r));
    const port = (target.address() as AddressInfo).port;
    const tenantId = await insertTenant(database.db);
    const id = await insertMonitor(database.db, tenantId, {
      type: "http",
      name: "failover",
      url: `http://127.0.0.1:${port}/`,
      intervalSeconds: 10,
    });
    const workers = [spawnWorker(database.url as string), spawnWorker(database.url as string)];
    const results = async () =>
      (
        await database.db
          .selectFrom("monitor_results")
          .select("at")
          .where("monitor_id", "=", id)
          .orderBy("at")
          .execute()
      ).map((r) => r.at.getTime());
    try {
      await until("a leader", () => workers.some((w) => w.leading), 30_000);
      await until("two results", async () => (await results()).length >= 2, 30_000);
      assert.equal(workers.filter((w) => w.leading).length, 1, "exactly one worker leads");
      const before = await results();
      for (let i = 1; i < before.length; i++) {
        assert.ok((before[i] as number) - (before[i - 1] as number) >= 9_000, "one prober: checks one interval apart");
      }
      const leader = workers.find((w) => w.leading) as Worker;
      const follower = workers.find((w) => !w.leading) as Worker;
      leader.child.kill("SIGKILL");
      const killedAt = Date.now();
      await until("the follower to lead", () => follower.leading, 20_000);
      const firstAfter = await until(
        "a result from the new leader",
        async () => (await results()).some((at) => at > killedAt),
        25_000,
      );
      const newResult = (await results()).find((at) => at > killedAt) as number;
      assert.ok(
        newResult - killedAt <= 20_000,
        `new leader probed ${newResult - killedAt} ms after the kill (<= 2 intervals)`,
      );
      assert.ok(firstAfter - killedAt <= 22_000);
    } finally {
      for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGTERM");
      await Promise.all(
        workers.map((w) =>
          w.child.exitCode !== null || w.child.signalCode !== null
            ? Promise.resolve()
            : new Promise((r) => w.child.once("exit", r)),
        ),
      );
      await new Promise<void>((r) => target.close(() => r()));
    }
  });
});
