import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { dropServerDatabase, emptyServerDatabase, mode } from "../../../test/support/db";
import {
  completeSecondFactorOverHttp,
  freePort,
  INIT_PASSWORDS,
  type MainProcess,
  newSm2Key,
  ROOT,
  spawnMain,
  waitReady,
} from "../../../test/support/server-process";

/**
 * `npm run keys:rewrap` as an operator runs it, between two runs of the real server: with the key
 * file under the data directory on the embedded default, with TIANSHU_KEK / TIANSHU_NEW_KEK on a
 * PostgreSQL server. Afterwards the server starts with the new KEK and shows the sealed phone number;
 * the old KEK is refused with the start-up message.
 */
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function runMain(env: Record<string, string>): MainProcess {
  const proc = spawnMain(env);
  cleanups.push(() => {
    if (proc.child.exitCode === null) proc.child.kill("SIGKILL");
  });
  return proc;
}

function runCli(
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number | null; out: string; err: string }> {
  const base: NodeJS.ProcessEnv = { ...process.env };
  delete base.DATABASE_URL;
  delete base.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, ["--import", "tsx", "api/src/keys/rewrap-cli.ts", ...args], {
    cwd: ROOT,
    env: { ...base, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, out, err })));
}

async function stop(proc: MainProcess): Promise<void> {
  proc.child.kill("SIGTERM");
  assert.equal(await proc.exited, 0, proc.stderr());
}

const PASSWORD = "Rewrap-Cli-Pass-1";
const PHONE = "13512348888";

async function api(base: string, cookie: string, method: string, url: string, body?: unknown) {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { cookie, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : null,
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, unknown> | null };
}

async function signIn(base: string, password: string, key: ReturnType<typeof newSm2Key>): Promise<string> {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "sysadmin", password }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const { next } = (await res.json()) as { next: string | null };
  const cookie = res.headers.get("set-cookie")?.split(";")[0] ?? "";
  return completeSecondFactorOverHttp(base, cookie, next, key);
}

test("keys:rewrap between two runs of the server: the new KEK starts and reads, the old one is refused", async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tianshu-rewrap-cli-"));
  cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    TIANSHU_DATA_DIR: dataDir,
    PORT: String(port),
    HOST: "127.0.0.1",
    TIANSHU_INIT_PASSWORD_SYSADMIN: INIT_PASSWORDS.sysadmin,
    TIANSHU_INIT_PASSWORD_SECADMIN: INIT_PASSWORDS.secadmin,
    TIANSHU_INIT_PASSWORD_AUDITADMIN: INIT_PASSWORDS.auditadmin,
  };
  const oldKek = crypto.randomBytes(32).toString("hex");
  const newKek = crypto.randomBytes(32).toString("hex");
  if (mode === "server") {
    const url = await emptyServerDatabase();
    cleanups.push(() => dropServerDatabase(url));
    env.DATABASE_URL = url;
    env.TIANSHU_KEK = oldKek;
  }
  const keyFile = path.join(dataDir, "keys", "kek");

  // First run: an account with a sealed phone number.
  const first = runMain(env);
  await waitReady(base, first);
  const key = newSm2Key();
  let cookie = await signIn(base, INIT_PASSWORDS.sysadmin, key);
  const changed = await api(base, cookie, "POST", "/api/v1/auth/password", {
    currentPassword: INIT_PASSWORDS.sysadmin,
    newPassword: PASSWORD,
  });
  assert.equal(changed.status, 204);
  const created = await api(base, cookie, "POST", "/api/v1/users", {
    username: "rewrap.cli",
    displayName: "换钥命令",
    phone: PHONE,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const userId = (created.body?.user as { id: string }).id;
  await stop(first);
  const fileKek = mode === "embedded" ? fs.readFileSync(keyFile, "utf8").trim() : null;

  // A wrong old KEK: refused, exit 1, nothing written.
  const wrong = await runCli({ ...env, TIANSHU_KEK: newKek, TIANSHU_NEW_KEK: crypto.randomBytes(32).toString("hex") });
  assert.equal(wrong.code, 1, wrong.err);
  assert.match(wrong.err, /keys:rewrap refused.*does not open data key version 1/);
  if (mode === "embedded") {
    assert.deepEqual(fs.readdirSync(path.dirname(keyFile)), ["kek"], "no key file written");
  }

  // The re-wrap: on the embedded default the new KEK is generated and replaces the key file.
  const cliEnv = mode === "server" ? { ...env, TIANSHU_NEW_KEK: newKek } : env;
  const done = await runCli(cliEnv);
  assert.equal(done.code, 0, done.err);
  const report = JSON.parse(done.out) as { dataKeys: number[]; signingKeys: number; newKek: string };
  assert.deepEqual(report.dataKeys, [1]);
  let startEnv = env;
  if (mode === "embedded") {
    const replaced = fs.readFileSync(keyFile, "utf8").trim();
    assert.notEqual(replaced, fileKek);
    assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);
    assert.equal(fs.readFileSync(`${keyFile}.previous`, "utf8").trim(), fileKek);
  } else {
    // The old KEK refuses the start with the start-up message; nothing has changed.
    const refused = runMain(env);
    assert.equal(await refused.exited, 1);
    assert.match(
      refused.stderr(),
      /failed to start.*the key-encryption key from TIANSHU_KEK does not open data key version 1/,
    );
    startEnv = { ...env, TIANSHU_KEK: newKek };
  }

  // The new KEK starts and reads the phone number in the clear; the blind index still finds it.
  const second = runMain(startEnv);
  await waitReady(base, second);
  cookie = await signIn(base, PASSWORD, key);
  const clear = await api(base, cookie, "GET", `/api/v1/users/${userId}/personal-data`);
  assert.equal(clear.status, 200, JSON.stringify(clear.body));
  assert.equal(clear.body?.phone, PHONE);
  const found = await api(base, cookie, "GET", `/api/v1/users?phone=${PHONE}`);
  assert.deepEqual(
    (found.body as unknown as { id: string }[]).map((u) => u.id),
    [userId],
  );
  await stop(second);

  if (mode === "embedded") {
    assert.equal(fs.existsSync(`${keyFile}.previous`), false, "the start with the new KEK removed the old one");
    // The old key file put back: refused with the start-up message naming the file.
    const current = fs.readFileSync(keyFile, "utf8");
    fs.writeFileSync(keyFile, `${fileKek}\n`, { mode: 0o600 });
    const refused = runMain(env);
    assert.equal(await refused.exited, 1);
    assert.match(refused.stderr(), /failed to start.*the key file .*kek does not open data key version 1/);
    fs.writeFileSync(keyFile, current, { mode: 0o600 });
  }
});
