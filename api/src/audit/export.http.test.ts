import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { parse } from "csv-parse/sync";
import ExcelJS from "exceljs";
import { startTestApp, type TestApp } from "../../../test/support/app";
import { type AuditEvent, record } from "./record";

/** Signed exports of a search (docs/audit.md, "The auditor's workspace"), checked with the real CLI. */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const CLI = path.join(ROOT, "api/src/audit/verify-export-cli.ts");
let app: TestApp;
let audit: Awaited<ReturnType<TestApp["signIn"]>>;
let sec: Awaited<ReturnType<TestApp["signIn"]>>;
let tmp: string;
/** A failed login's username is attacker-chosen: it must never run as a spreadsheet formula. */
const FORMULA = '=HYPERLINK("http://x","y")';

type Row = Record<string, string | null> & { seq: string; detail: Record<string, unknown> };

before(async () => {
  app = await startTestApp();
  audit = await app.signIn("auditadmin");
  sec = await app.signIn("secadmin");
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tianshu-export-"));
  const base = { tenantId: app.platformTenantId, actorId: null, targetType: "ExpTest", result: "success" as const };
  const events: Partial<AuditEvent>[] = [
    { actorRole: "sysadmin", actorName: "alice", action: "exp.user.create", targetId: "x-1", ip: "10.0.0.1" },
    // Attacker-chosen text: a formula, quotes, commas, a line break, non-ASCII.
    {
      actorRole: null,
      actorName: FORMULA,
      action: "exp.login",
      targetId: "x-2",
      result: "failure",
    },
    { actorRole: "secadmin", actorName: "张三", action: "exp.grant", targetId: "x-3", detail: { note: 'a,"b"\nc' } },
    { actorRole: "auditadmin", actorName: "auditadmin", action: "exp.own", targetId: "x-4" },
  ];
  for (const e of events) await record(app.database.db, { ...base, ...e } as AuditEvent);
});
after(async () => {
  await app?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function searchAsc(agent: typeof audit, filter: Record<string, string>): Promise<Row[]> {
  const q = new URLSearchParams({ _start: "0", _end: "200", _sort: "seq", _order: "asc", ...filter });
  const res = await agent.get(`/api/v1/audit/events?${q}`);
  assert.equal(res.status, 200, res.text);
  return res.body as Row[];
}

async function createExport(agent: typeof audit, format: "csv" | "xlsx", filter: Record<string, string>) {
  const res = await agent.post("/api/v1/audit/exports").send({ format, filter });
  assert.equal(res.status, 201, res.text);
  return res.body as { id: string; total: number; fileName: string; status: string; format: string };
}

async function download(agent: typeof audit, id: string) {
  return agent
    .get(`/api/v1/audit/exports/${id}/file`)
    .buffer(true)
    .parse((r, done) => {
      const chunks: Buffer[] = [];
      r.on("data", (c: Buffer) => chunks.push(c));
      r.on("end", () => done(null, Buffer.concat(chunks)));
    });
}

interface CliRun {
  code: number;
  report: Record<string, unknown> | null;
  stderr: string;
}

/** Runs the real CLI; in embedded mode there is no database for it to reach (key not checked). */
function runCli(file: string, sig: string): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TIANSHU_DATA_DIR: path.join(tmp, "no-data-dir"),
    LOG_LEVEL: "silent",
  };
  if (app.database.url) env.DATABASE_URL = app.database.url;
  else delete env.DATABASE_URL;
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", CLI, file, sig], { cwd: ROOT, env }, (err, stdout, stderr) => {
      const code = err ? Number((err as { code?: number }).code ?? 2) : 0;
      let report: Record<string, unknown> | null;
      try {
        report = JSON.parse(stdout) as Record<string, unknown>;
      } catch {
        report = null;
      }
      resolve({ code, report, stderr });
    });
  });
}

async function saveSigned(id: string, body: Buffer, name: string): Promise<{ file: string; sig: string }> {
  const res = await audit.get(`/api/v1/audit/exports/${id}/signature`);
  assert.equal(res.status, 200, res.text);
  assert.match(String(res.headers["content-disposition"]), /attachment; filename=".+\.sig\.json"/);
  const file = path.join(tmp, name);
  const sig = `${file}.sig.json`;
  fs.writeFileSync(file, body);
  fs.writeFileSync(sig, JSON.stringify(res.body, null, 2));
  return { file, sig };
}

test("a CSV export holds exactly the search, is audited, signed, and verifies with the CLI", async () => {
  const filter = { targetType: "ExpTest" };
  const expected = await searchAsc(audit, filter);
  assert.equal(expected.length, 3, "the auditadmin's own event is not in its search");
  const created = await createExport(audit, "csv", filter);
  assert.equal(created.total, 3);
  assert.equal(created.status, "ready");
  const createdEvent = await app.database.db
    .selectFrom("audit_events")
    .select(["detail", "actor_role"])
    .where("action", "=", "audit.export.create")
    .where("target_id", "=", created.id)
    .executeTakeFirst();
  assert.ok(createdEvent, "audit.export.create recorded");
  assert.equal((createdEvent.detail as { total: number }).total, 3);

  // Not signed before a download completed.
  const early = await audit.get(`/api/v1/audit/exports/${created.id}/signature`);
  assert.equal(early.status, 409);
  assert.equal(early.body.code, "EXPORT_NOT_SIGNED");

  // An event recorded after the export was created is beyond its seq bound.
  await record(app.database.db, {
    tenantId: app.platformTenantId,
    actorId: null,
    actorName: "late",
    actorRole: "sysadmin",
    action: "exp.late",
    targetType: "ExpTest",
    targetId: "x-5",
    result: "success",
  });

  const res = await download(audit, created.id);
  assert.equal(res.status, 200);
  assert.equal(res.headers["content-type"], "text/csv; charset=utf-8");
  assert.equal(res.headers["x-total-count"], "3");
  assert.match(String(res.headers["content-disposition"]), new RegExp(`attachment; filename="${created.fileName}"`));
  const body = res.body as Buffer;
  assert.deepEqual([...body.subarray(0, 3)], [0xef, 0xbb, 0xbf], "UTF-8 BOM");
  const records = parse(body, { bom: true, columns: true }) as Record<string, string>[];
  assert.deepEqual(
    records.map((r) => r.seq),
    expected.map((e) => e.seq),
    "same events, ascending",
  );
  records.forEach((r, i) => {
    const e = expected[i] as Row;
    const defused = (v: string | null | undefined) => (v && /^[-=+@]/.test(v) ? `'${v}` : (v ?? ""));
    assert.equal(r.occurredAt, e.occurredAt);
    assert.equal(r.actorName, defused(e.actorName));
    assert.equal(r.actorRole, e.actorRole ?? "");
    assert.equal(r.action, e.action);
    assert.equal(r.targetId, e.targetId);
    assert.equal(r.result, e.result);
    assert.equal(r.ip, e.ip ?? "");
    assert.deepEqual(JSON.parse(r.detail as string), e.detail);
  });
  assert.ok(
    records.some((r) => r.actorName === `'${FORMULA}`),
    "formula defused",
  );
  assert.ok(records.some((r) => r.actorName === "张三"));
  assert.ok(!records.some((r) => r.action === "exp.late"));
  const downloaded = await app.database.db
    .selectFrom("audit_events")
    .select("seq")
    .where("action", "=", "audit.export.download")
    .where("target_id", "=", created.id)
    .execute();
  assert.equal(downloaded.length, 1, "audit.export.download recorded");

  const { file, sig } = await saveSigned(created.id, body, created.fileName);
  const signature = JSON.parse(fs.readFileSync(sig, "utf8")) as Record<string, unknown>;
  assert.equal(signature.version, "tianshu.audit-export-signature.v1");
  assert.equal(signature.rows, 3);
  assert.equal(signature.digestAlgorithm, app.config.cryptoProfile === "gm" ? "SM3" : "SHA-256");
  assert.equal(signature.signatureAlgorithm, app.config.cryptoProfile === "gm" ? "SM2" : "Ed25519");
  assert.deepEqual(signature.filter, filter);
  assert.equal((signature.creator as { username: string }).username, "auditadmin");
  const key = await app.database.db.selectFrom("audit_signing_keys").select(["id", "public_key"]).execute();
  assert.ok(
    key.some((k) => k.id === signature.keyId && k.public_key === signature.publicKey),
    "the instance key",
  );

  const ok = await runCli(file, sig);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.report?.digestMatches, true);
  assert.equal(ok.report?.signatureValid, true);
  assert.equal(ok.report?.keyKnown, app.database.url ? true : null);

  // One changed byte in the file: exit 1.
  const tampered = Buffer.from(body);
  const at = tampered.indexOf("alice");
  tampered.write("alicf", at);
  fs.writeFileSync(file, tampered);
  const bad = await runCli(file, sig);
  assert.equal(bad.code, 1, bad.stderr);
  assert.equal(bad.report?.digestMatches, false);

  // The file restored but the signature file edited (fewer rows claimed): exit 1.
  fs.writeFileSync(file, body);
  fs.writeFileSync(sig, JSON.stringify({ ...signature, rows: 2 }));
  const forged = await runCli(file, sig);
  assert.equal(forged.code, 1, forged.stderr);
  assert.equal(forged.report?.digestMatches, true);
  assert.equal(forged.report?.signatureValid, false);
});

test("an XLSX export reads back with exceljs as the same rows, and verifies", async () => {
  const filter = { targetType: "ExpTest", result: "success" };
  const expected = await searchAsc(audit, filter);
  const created = await createExport(audit, "xlsx", filter);
  assert.equal(created.total, expected.length);
  const res = await download(audit, created.id);
  assert.equal(res.status, 200);
  assert.equal(res.headers["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(res.body as Buffer as unknown as ArrayBuffer);
  const ws = wb.worksheets[0];
  assert.ok(ws);
  const header = (ws.getRow(1).values as unknown[]).slice(1).map(String);
  assert.equal(header[0], "seq");
  const col = (name: string) => header.indexOf(name) + 1;
  const rows = [];
  for (let i = 2; i <= ws.actualRowCount; i++) rows.push(ws.getRow(i));
  assert.deepEqual(
    rows.map((r) => String(r.getCell(col("seq")).value)),
    expected.map((e) => e.seq),
  );
  rows.forEach((r, i) => {
    const e = expected[i] as Row;
    const cell = (name: string) => String(r.getCell(col(name)).value ?? "");
    assert.equal(cell("actorName"), e.actorName ?? "", "xlsx keeps text as text, no formula");
    assert.equal(cell("action"), e.action);
    assert.deepEqual(JSON.parse(cell("detail")), e.detail);
  });
  const { file, sig } = await saveSigned(created.id, res.body as Buffer, created.fileName);
  const ok = await runCli(file, sig);
  assert.equal(ok.code, 0, ok.stderr);
});

test("exports are scoped by role and owner: secadmin exports only the audit admin's events", async () => {
  const created = await createExport(sec, "csv", { targetType: "ExpTest" });
  assert.equal(created.total, 1);
  const res = await download(sec, created.id);
  const records = parse(res.body as Buffer, { bom: true, columns: true }) as Record<string, string>[];
  assert.deepEqual(
    records.map((r) => r.actorRole),
    ["auditadmin"],
  );
  // The auditadmin neither lists nor downloads secadmin's export.
  assert.equal((await audit.get(`/api/v1/audit/exports/${created.id}/file`)).status, 404);
  assert.equal((await audit.get(`/api/v1/audit/exports/${created.id}/signature`)).status, 404);
  const mine = await audit.get("/api/v1/audit/exports?_start=0&_end=50");
  assert.equal(mine.status, 200);
  assert.ok(!(mine.body as { id: string }[]).some((e) => e.id === created.id));
  assert.equal(Number(mine.headers["x-total-count"]), (mine.body as unknown[]).length);
  const theirs = await sec.get("/api/v1/audit/exports");
  assert.ok((theirs.body as { id: string; signedAt: string | null }[]).some((e) => e.id === created.id && e.signedAt));
});

test("exports refuse bad input and roles without export", async () => {
  assert.equal((await audit.post("/api/v1/audit/exports").send({ format: "pdf", filter: {} })).status, 400);
  assert.equal((await audit.post("/api/v1/audit/exports").send({ format: "csv", filter: { ip: "x" } })).status, 400);
  assert.equal((await audit.post("/api/v1/audit/exports").send({ format: "csv", filter: { nope: 1 } })).status, 400);
  assert.equal((await audit.get("/api/v1/audit/exports/not-a-uuid/file")).status, 400);
  assert.equal((await audit.get("/api/v1/audit/exports/00000000-0000-4000-8000-000000000000/file")).status, 404);
  const sys = await app.signIn("sysadmin");
  assert.equal((await sys.post("/api/v1/audit/exports").send({ format: "csv", filter: {} })).status, 403);
  assert.equal((await sys.get("/api/v1/audit/exports")).status, 403);
});
