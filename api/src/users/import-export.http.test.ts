import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import ExcelJS from "exceljs";
import type supertest from "supertest";
import { auditCount, startTestApp, type TestApp } from "../../../test/support/app";
import { CSV_TYPE, XLSX_TYPE } from "./import-file";
import { type DepartmentFixture, makeDepartment, makeDimension, makePost } from "./test-fixtures";

let app: TestApp;
let sys: ReturnType<typeof supertest.agent>;
let hq: DepartmentFixture;
let tech: DepartmentFixture;
let dimCode: string;
before(async () => {
  app = await startTestApp();
  sys = await app.signIn("sysadmin");
  const t = app.platformTenantId;
  const db = app.database.db;
  dimCode = "admin-tree";
  const dim = await makeDimension(db, t, dimCode);
  const party = await makeDimension(db, t, "party-tree");
  hq = await makeDepartment(db, { tenantId: t, dimensionId: dim, name: "总部", code: "HQ" });
  tech = await makeDepartment(db, { tenantId: t, dimensionId: dim, parent: hq, name: "技术部", code: "TECH" });
  await makeDepartment(db, { tenantId: t, dimensionId: party, name: "总部", code: "PHQ" }); // same name, other dimension
  await makeDepartment(db, {
    tenantId: t,
    dimensionId: dim,
    parent: hq,
    name: "旧部门",
    code: "OLD",
    status: "disabled",
  });
  await makePost(db, t, "DEV", "开发");
});
after(() => app?.close());

const upload = (body: Buffer | string, type: string, dryRun: boolean) =>
  sys
    .post(`/api/v1/users/import?dryRun=${dryRun}`)
    .set("content-type", type)
    .send(Buffer.isBuffer(body) ? body : Buffer.from(body, "utf8"));

const countUsers = async () => (await app.database.db.selectFrom("users").select("id").execute()).length;

test("a dry run reports every bad row (row, field, English, Chinese) and writes nothing", async () => {
  const csv = [
    "username,displayName,employeeNo,phone,email,department,post,title,isPrimary",
    "imp.ok,张一,I-1,13800001111,one@example.cn,TECH,DEV,工程师,true",
    "bad name,张二,,,,,,,",
    "imp.phone,张三,,12345,bad-mail,,,,",
    "imp.dept,张四,,,,NOPE,,,",
    "imp.old,张五,,,,OLD,,,",
    "imp.amb,张六,,,,总部,,,",
    "imp.post,张七,,,,TECH,NOPOST,,maybe",
    "imp.dup,张八,I-1,,,,,,",
    "sysadmin,冒名,,,,,,,",
  ].join("\n");
  const before = await countUsers();
  const res = await upload(csv, CSV_TYPE, true);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.total, 9);
  assert.equal(res.body.created, 0);
  assert.equal(res.body.dryRun, true);
  assert.equal(res.body.encoding, "utf-8");
  const got = res.body.errors.map((e: { row: number; field: string }) => `${e.row}:${e.field}`);
  assert.deepEqual(got, [
    "3:username",
    "4:phone",
    "4:email",
    "5:department",
    "6:department",
    "7:department",
    "8:post",
    "8:isPrimary",
    "9:employeeNo",
    "10:username",
  ]);
  assert.ok(res.body.errors.every((e: { zh: string; message: string }) => e.zh.length > 0 && e.message.length > 0));
  assert.equal(await countUsers(), before);
});

test("a real import with any bad row creates nothing (all-or-nothing)", async () => {
  const csv = "username,displayName\nimp.good1,好一\nimp.good2,好二\nbad name,坏\n";
  const before = await countUsers();
  const res = await upload(csv, CSV_TYPE, false);
  assert.equal(res.status, 200);
  assert.equal(res.body.created, 0);
  assert.equal(res.body.errors.length, 1);
  assert.equal(await countUsers(), before, "the two good rows were not created either");
  assert.ok((await auditCount(app, { action: "user.import", result: "failure" })) >= 1);
});

test("a real import creates accounts with memberships (several rows per username), sealed personal data, feed and audit", async () => {
  const csv = [
    "用户名,姓名,工号,手机号,邮箱,部门,岗位,职务,主部门",
    "imp.li,李雷,L-1,13911112222,lilei@example.cn,TECH,DEV,工程师,是",
    "imp.li,,,,,party-tree:总部,,,",
    `imp.han,韩梅梅,L-2,,,${dimCode}:总部/技术部,,,`,
    "imp.solo,独立,,,,,,,",
  ].join("\r\n");
  const feedBefore = await app.database.db
    .selectFrom("org_changes")
    .select((eb) => eb.fn.max("seq").as("m"))
    .executeTakeFirst();
  const res = await upload(`\uFEFF${csv}`, CSV_TYPE, false);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body.errors, []);
  assert.equal(res.body.created, 3);
  const li = await sys.get("/api/v1/users?q=imp.li");
  assert.equal(li.body.length, 1);
  assert.equal(li.body[0].phone, "139****2222");
  assert.equal(li.body[0].memberships.length, 2);
  assert.ok(
    li.body[0].memberships.every((m: { isPrimary: boolean }) => m.isPrimary),
    "one primary in each dimension",
  );
  assert.equal((await sys.get(`/api/v1/users?departmentId=${tech.id}`)).body.length, 2);
  assert.equal((await sys.get("/api/v1/users?q=hmm")).body[0].username, "imp.han", "pinyin initials stored");
  const personal = await sys.get(`/api/v1/users/${li.body[0].id}/personal-data`);
  assert.deepEqual(personal.body, { phone: "13911112222", email: "lilei@example.cn" });
  const feed = await app.database.db
    .selectFrom("org_changes")
    .select(["entity", "op"])
    .where("seq", ">", String(feedBefore?.m ?? 0))
    .execute();
  assert.equal(feed.filter((f) => f.entity === "user").length, 3);
  assert.equal(feed.filter((f) => f.entity === "membership").length, 3);
  // Imported accounts cannot sign in until an administrator issues a one-time password.
  const login = await sys.post("/api/v1/auth/login").send({ username: "imp.solo", password: "anything-at-all-1A!" });
  assert.equal(login.status, 401);
  const again = await upload(csv, CSV_TYPE, true);
  assert.ok(
    again.body.errors.some((e: { field: string }) => e.field === "username"),
    "existing usernames are reported",
  );
});

test("a GBK-encoded CSV (Excel on Chinese Windows) is detected and decoded", async () => {
  // "张三" in GBK is D5 C5 C8 FD; "技术" is BC BC CA F5.
  const gbk = Buffer.concat([
    Buffer.from("username,displayName,title,department\nimp.gbk,"),
    Buffer.from([0xd5, 0xc5, 0xc8, 0xfd]),
    Buffer.from(","),
    Buffer.from([0xbc, 0xbc, 0xca, 0xf5]),
    Buffer.from(",TECH\n"),
  ]);
  const res = await upload(gbk, CSV_TYPE, false);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.encoding, "gb18030");
  assert.equal(res.body.created, 1);
  const user = await sys.get("/api/v1/users?q=imp.gbk");
  assert.equal(user.body[0].displayName, "张三");
  assert.equal(user.body[0].memberships[0].title, "技术");
  const utf16 = await upload(Buffer.from([0xff, 0xfe, 0x61, 0x00]), CSV_TYPE, true);
  assert.equal(utf16.status, 415);
  assert.equal(utf16.body.code, "UNSUPPORTED_ENCODING");
  const garbage = await upload(Buffer.from([0x75, 0x2c, 0x64, 0x0a, 0x80, 0xff, 0xfe, 0x81]), CSV_TYPE, true);
  assert.equal(garbage.status, 415);
});

test("XLSX import reads the first sheet, including numeric phone cells", async () => {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet("人员");
  ws.addRow(["username", "displayName", "phone", "department"]);
  ws.addRow(["imp.xlsx", "表格人", 13755556666, "HQ"]);
  ws.addRow([]);
  ws.addRow(["imp.xlsx2", "表格二", null, "NOPE"]);
  const buffer = Buffer.from(await wb.xlsx.writeBuffer());
  const dry = await upload(buffer, XLSX_TYPE, true);
  assert.equal(dry.status, 200, dry.text);
  assert.equal(dry.body.encoding, "xlsx");
  assert.deepEqual(
    dry.body.errors.map((e: { row: number; field: string }) => [e.row, e.field]),
    [[4, "department"]],
    "row numbers are the sheet's, blank rows skipped",
  );
  const notXlsx = await upload(Buffer.from("not a zip"), XLSX_TYPE, true);
  assert.equal(notXlsx.status, 400);
  assert.equal(notXlsx.body.code, "INVALID_IMPORT_FILE");
});

test("file-level refusals: wrong media type 415, unknown column and missing header 400, more than 10,000 rows 413", async () => {
  const json = await sys.post("/api/v1/users/import").send({ username: "x" });
  assert.equal(json.status, 415);
  assert.equal(json.body.code, "UNSUPPORTED_CONTENT_TYPE");
  const unknown = await upload("username,displayName,password\n", CSV_TYPE, true);
  assert.equal(unknown.status, 400);
  assert.match(unknown.body.detail, /password/);
  const noName = await upload("username\nx\n", CSV_TYPE, true);
  assert.equal(noName.status, 400);
  const empty = await upload("", CSV_TYPE, true);
  assert.equal(empty.status, 400);
  const rows = (n: number) =>
    ["username,displayName", ...Array.from({ length: n }, (_, i) => `bulk${i},批量${i}`)].join("\n");
  const tooMany = await upload(rows(10_001), CSV_TYPE, true);
  assert.equal(tooMany.status, 413);
  assert.equal(tooMany.body.code, "TOO_MANY_ROWS");
  const max = await upload(rows(10_000), CSV_TYPE, true);
  assert.equal(max.status, 200);
  assert.equal(max.body.total, 10_000);
  assert.deepEqual(max.body.errors, []);
  const sec = await app.signIn("secadmin");
  assert.equal(
    (await sec.post("/api/v1/users/import").set("content-type", CSV_TYPE).send("username,displayName\n")).status,
    403,
  );
});

test("a real import of 1,200 rows spans several insert batches in one transaction", async () => {
  const csv = [
    "username,displayName,department",
    ...Array.from({ length: 1200 }, (_, i) => `many${i},多人${i},HQ`),
  ].join("\n");
  const res = await upload(csv, CSV_TYPE, false);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.created, 1200);
  const list = await sys.get(`/api/v1/users?departmentId=${hq.id}&_end=1`);
  assert.ok(Number(list.headers["x-total-count"]) >= 1200);
});

test("export streams XLSX with masked personal data, honours the filters, and is audited", async () => {
  const before = await auditCount(app, { action: "user.export" });
  const res = await sys
    .get("/api/v1/users/export?q=imp.li")
    .buffer(true)
    .parse((r, done) => {
      const chunks: Buffer[] = [];
      r.on("data", (c: Buffer) => chunks.push(c));
      r.on("end", () => done(null, Buffer.concat(chunks)));
    });
  assert.equal(res.status, 200);
  assert.equal(res.headers["content-type"], XLSX_TYPE);
  assert.match(String(res.headers["content-disposition"]), /attachment; filename="users-\d{8}\.xlsx"/);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(res.body as ArrayBuffer);
  const ws = wb.worksheets[0];
  assert.ok(ws);
  assert.equal(ws.actualRowCount, 2, "header + the one matching account");
  const values = (ws.getRow(2).values as unknown[]).map(String).join("|");
  assert.match(values, /imp\.li/);
  assert.match(values, /139\*\*\*\*2222/);
  assert.ok(!values.includes("13911112222") && !values.includes("lilei@"), "no clear personal data");
  assert.equal(await auditCount(app, { action: "user.export" }), before + 1);
  const phoneFilter = await sys.get("/api/v1/users/export?phone=13911112222");
  assert.equal(phoneFilter.status, 200);
  const audit = await app.database.db
    .selectFrom("audit_events")
    .select("detail")
    .where("action", "=", "user.export")
    .orderBy("seq", "desc")
    .executeTakeFirstOrThrow();
  assert.ok(!JSON.stringify(audit.detail).includes("13911112222"), "the phone filter is masked in the audit");
  const audit2 = await app.signIn("auditadmin");
  assert.equal((await audit2.get("/api/v1/users/export")).status, 403);
});
