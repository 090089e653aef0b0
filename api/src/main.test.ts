import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { dropServerDatabase, emptyServerDatabase, mode } from "../../test/support/db";
import {
  completeSecondFactorOverHttp,
  freePort,
  type MainProcess,
  newSm2Key,
  spawnMain,
  waitReady,
} from "../../test/support/server-process";

/** The real entry point as an operator runs it: a child process, real signals, real exit codes. */
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function run(env: Record<string, string>): MainProcess {
  const proc = spawnMain(env);
  cleanups.push(() => {
    if (proc.child.exitCode === null) proc.child.kill("SIGKILL");
  });
  return proc;
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((_, rej) => {
    timer = setTimeout(() => rej(new Error(`${what}: timed out`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function login(base: string, username: string, password: string) {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  const body = res.ok ? ((await res.json()) as { next: string | null }) : { next: null };
  return { status: res.status, cookie: res.headers.get("set-cookie")?.split(";")[0] ?? "", next: body.next };
}

test("database down at start: one clear line, no stack dump, exit code 1", async () => {
  const closed = await freePort();
  const proc = run({ DATABASE_URL: `postgresql://postgres@127.0.0.1:${closed}/tianshu`, PORT: "0" });
  assert.equal(await within(proc.exited, 30_000, "exit"), 1);
  assert.match(proc.stderr(), /Cannot connect to the database at postgresql:\/\/postgres@127\.0\.0\.1:\d+\/tianshu/);
  assert.match(proc.stderr(), /无法连接数据库/);
  assert.doesNotMatch(proc.stderr(), /\n\s+at /, "no stack trace");
});

test("invalid configuration: named variable, exit code 1", async () => {
  const proc = run({ PORT: "eighty", TIANSHU_SESSION_IDLE_MINUTES: "0" });
  assert.equal(await within(proc.exited, 30_000, "exit"), 1);
  assert.match(proc.stderr(), /PORT/);
  assert.match(proc.stderr(), /TIANSHU_SESSION_IDLE_MINUTES/);
});

test(
  "embedded: first start prints one-time passwords once; SIGTERM finishes in-flight work; data survives restart",
  {
    skip: mode === "server" ? "covers the embedded default; the server variant is the next test" : false,
  },
  async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tianshu-main-"));
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const first = run({ TIANSHU_DATA_DIR: dataDir, PORT: String(port) });
    await waitReady(base, first);
    const printed = Object.fromEntries(
      [...first.stdout().matchAll(/^\s+(sysadmin|secadmin|auditadmin)\s+(\S+)$/gm)].map((m) => [m[1], m[2]]),
    );
    assert.deepEqual(Object.keys(printed).sort(), ["auditadmin", "secadmin", "sysadmin"]);
    assert.match(first.stdout(), new RegExp(`data in ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    const stat = fs.statSync(dataDir);
    assert.equal(stat.mode & 0o077, 0, "the data directory is private to its owner");

    // A second process on the same data directory is refused: it would corrupt the database.
    const second = run({ TIANSHU_DATA_DIR: dataDir, PORT: String(await freePort()) });
    assert.equal(await within(second.exited, 30_000, "second exit"), 1);
    assert.match(second.stderr(), /in use by process/);

    const s = await login(base, "sysadmin", printed.sysadmin as string);
    assert.equal(s.status, 200);
    assert.equal(s.next, "mfa-enroll", "admins enrol a second factor first");
    // Passing the second factor replaces the session's cookie.
    const cookie = await completeSecondFactorOverHttp(base, s.cookie, s.next, newSm2Key());
    const change = await fetch(`${base}/api/v1/auth/password`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie },
      body: JSON.stringify({ currentPassword: printed.sysadmin, newPassword: "Kept-After-Restart-1" }),
    });
    assert.equal(change.status, 204);
    first.child.kill("SIGTERM");
    assert.equal(await within(first.exited, 30_000, "graceful exit"), 0);
    assert.equal(fs.existsSync(path.join(dataDir, "tianshu.pid")), false, "the lock is released");

    // Restart with a higher PBKDF2 cost: the next login re-hashes (≈1 s of work), and SIGTERM
    // arrives while that request is in flight.
    const restarted = run({ TIANSHU_DATA_DIR: dataDir, PORT: String(port), TIANSHU_PBKDF2_ITERATIONS: "1500000" });
    await waitReady(base, restarted);
    assert.doesNotMatch(restarted.stdout(), /sysadmin\s+\S{20}/, "no new passwords on a later start");
    const inFlight = login(base, "sysadmin", "Kept-After-Restart-1");
    await new Promise((r) => setTimeout(r, 150));
    restarted.child.kill("SIGTERM");
    assert.equal((await inFlight).status, 200, "the in-flight request completed");
    assert.equal(await within(restarted.exited, 30_000, "graceful exit"), 0);

    const third = run({ TIANSHU_DATA_DIR: dataDir, PORT: String(port) });
    await waitReady(base, third);
    assert.equal((await login(base, "sysadmin", "Kept-After-Restart-1")).status, 200, "the password change survived");
    assert.equal((await login(base, "sysadmin", printed.sysadmin as string)).status, 401);
    third.child.kill("SIGTERM");
    assert.equal(await within(third.exited, 30_000, "graceful exit"), 0);
  },
);

test(
  "server: two instances starting together on an empty database both come up, with one set of admins",
  {
    skip: mode === "embedded" ? "needs DATABASE_URL: the embedded default is single-process by design" : false,
  },
  async () => {
    const url = await emptyServerDatabase();
    cleanups.push(() => dropServerDatabase(url));
    const ports = [await freePort(), await freePort()];
    const procs = ports.map((p) =>
      run({ DATABASE_URL: url, PORT: String(p), TIANSHU_INIT_PASSWORD_AUDITADMIN: "Given-Audit-Pass-1" }),
    );
    await Promise.all(procs.map((proc, i) => waitReady(`http://127.0.0.1:${ports[i]}`, proc)));
    const printedSets = procs.map((p) => [...p.stdout().matchAll(/^\s+(sysadmin|secadmin)\s+\S+$/gm)].length);
    assert.deepEqual([...printedSets].sort(), [0, 2], "exactly one instance created (and printed) the accounts");
    assert.doesNotMatch(procs.map((p) => p.stdout()).join(""), /Given-Audit-Pass-1/, "env passwords are never echoed");
    for (const port of ports) {
      assert.equal((await login(`http://127.0.0.1:${port}`, "auditadmin", "Given-Audit-Pass-1")).status, 200);
    }
    for (const p of procs) p.child.kill("SIGTERM");
    assert.deepEqual(await Promise.all(procs.map((p) => within(p.exited, 30_000, "exit"))), [0, 0]);
  },
);
