import crypto from "node:crypto";
import { createMongoAbility } from "@casl/ability";
import { sql } from "kysely";
import pg from "pg";
import { type AppAbility, rulesFor } from "../policies/ability";
import { scopedAdminRules } from "../policies/scoped";
import { createFieldCipher } from "../api/src/crypto/fields";
import { migrateUp } from "../api/src/db/migrate";
import { type DatabaseHandle, openDatabase } from "../api/src/db/pool";
import type { RequestContext } from "../api/src/http/context";
import { pageOf } from "../api/src/http/list";
import { createPeople, identityAccountOps } from "../api/src/users/people";
import type { UserFilter } from "../api/src/users/schemas";
import { findUser } from "../api/src/users/store";
import { dropDatabaseAt, emptyDatabaseOn } from "../test/support/db";

/**
 * Entry: org search over 100,000 users in 10,000 departments on the server database. Each search
 * runs the API's own code path (people.users.list: the search SQL with the caller's visibility, the
 * total, the page's memberships, decrypt-and-mask) without HTTP; the baseline is a primary-key
 * lookup of one account (findUser) in the same run. Target: p99 < 100 ms.
 */
const SERVER_URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const USERS = Number(process.env.BENCH_ORG_USERS ?? 100_000);
const ITERATIONS = Number(process.env.BENCH_ORG_ITERATIONS ?? 300);

const SURNAMES: [string, string][] = [
  ["王", "wang"],
  ["李", "li"],
  ["张", "zhang"],
  ["刘", "liu"],
  ["陈", "chen"],
  ["杨", "yang"],
  ["黄", "huang"],
  ["赵", "zhao"],
  ["吴", "wu"],
  ["周", "zhou"],
  ["徐", "xu"],
  ["孙", "sun"],
  ["马", "ma"],
  ["朱", "zhu"],
  ["胡", "hu"],
  ["郭", "guo"],
  ["何", "he"],
  ["高", "gao"],
  ["林", "lin"],
  ["罗", "luo"],
];
const GIVEN: [string, string][] = [
  ["伟", "wei"],
  ["芳", "fang"],
  ["娜", "na"],
  ["敏", "min"],
  ["静", "jing"],
  ["丽", "li"],
  ["强", "qiang"],
  ["磊", "lei"],
  ["军", "jun"],
  ["洋", "yang"],
  ["勇", "yong"],
  ["艳", "yan"],
  ["杰", "jie"],
  ["娟", "juan"],
  ["涛", "tao"],
  ["明", "ming"],
  ["超", "chao"],
  ["秀", "xiu"],
  ["霞", "xia"],
  ["平", "ping"],
  ["刚", "gang"],
  ["桂", "gui"],
  ["英", "ying"],
  ["华", "hua"],
  ["文", "wen"],
  ["玉", "yu"],
  ["兰", "lan"],
  ["红", "hong"],
  ["建", "jian"],
  ["国", "guo"],
];

const sqlArray = (values: string[]) => `ARRAY[${values.map((v) => `'${v}'`).join(",")}]`;

/** 10 roots → 100 → 1,000 → 9,000 departments (10,110), ids derived from their number. */
async function fillDepartments(pool: pg.Pool, tenant: string, dimension: string): Promise<void> {
  const id = (expr: string) => `md5('dept' || (${expr}))::uuid`;
  await pool.query(
    `INSERT INTO departments (id, tenant_id, dimension_id, parent_id, path, name, code)
     SELECT ${id("i")}, $1, $2, NULL, ARRAY[${id("i")}], '部门' || i, 'D' || i FROM generate_series(1, 10) i`,
    [tenant, dimension],
  );
  const levels: [number, number, number, number][] = [
    [11, 110, 1, 10],
    [111, 1110, 11, 10],
    [1111, 10110, 111, 9],
  ];
  for (const [from, to, parentFrom, fanOut] of levels) {
    await pool.query(
      `INSERT INTO departments (id, tenant_id, dimension_id, parent_id, path, name, code)
       SELECT ${id("i")}, $1, $2, p.id, p.path || ${id("i")}, '部门' || i, 'D' || i
       FROM generate_series(${from}, ${to}) i
       JOIN departments p ON p.id = ${id(`${parentFrom} + (i - ${from}) / ${fanOut}`)}`,
      [tenant, dimension],
    );
  }
}

async function fillUsers(pool: pg.Pool, tenant: string, dimension: string): Promise<string[]> {
  const s = SURNAMES.length;
  const g = GIVEN.length;
  // Deterministic pseudo-random picks from the row number, so every run has the same data.
  const pick = (salt: string, n: number) => `(abs(hashtext('${salt}' || i)) % ${n}) + 1`;
  await pool.query(
    `INSERT INTO users (id, tenant_id, username, display_name, name_pinyin, name_initials, employee_no,
                        password_hash, must_change_password, created_at)
     SELECT md5('user' || i)::uuid, $1, 'user' || i,
            sn[a] || gn[b] || gn[c], sp[a] || gp[b] || gp[c],
            left(sp[a], 1) || left(gp[b], 1) || left(gp[c], 1),
            'E' || lpad(i::text, 6, '0'), '!bench', false, now() - make_interval(secs => i)
     FROM generate_series(1, ${USERS}) i,
          LATERAL (SELECT ${pick("a", s)} AS a, ${pick("b", g)} AS b, ${pick("c", g)} AS c) r,
          LATERAL (SELECT ${sqlArray(SURNAMES.map((x) => x[0]))} AS sn, ${sqlArray(SURNAMES.map((x) => x[1]))} AS sp,
                          ${sqlArray(GIVEN.map((x) => x[0]))} AS gn, ${sqlArray(GIVEN.map((x) => x[1]))} AS gp) w`,
    [tenant],
  );
  // Every user has a primary membership in a leaf department; one in ten a second one elsewhere.
  await pool.query(
    `INSERT INTO memberships (tenant_id, user_id, department_id, dimension_id, is_primary, post_id, title)
     SELECT $1, md5('user' || i)::uuid, md5('dept' || (1111 + abs(hashtext('d' || i)) % 9000))::uuid, $2, true,
            CASE WHEN i % 3 = 0 THEN md5('post' || (i % 50))::uuid END, CASE WHEN i % 7 = 0 THEN '组长' END
     FROM generate_series(1, ${USERS}) i`,
    [tenant, dimension],
  );
  await pool.query(
    `INSERT INTO memberships (tenant_id, user_id, department_id, dimension_id, is_primary)
     SELECT $1, md5('user' || i)::uuid, md5('dept' || (111 + abs(hashtext('x' || i)) % 1000))::uuid, $2, false
     FROM generate_series(10, ${USERS}, 10) i ON CONFLICT DO NOTHING`,
    [tenant, dimension],
  );
  const ids = await pool.query<{ id: string }>("SELECT id FROM users WHERE tenant_id = $1", [tenant]);
  return ids.rows.map((r) => r.id);
}

/** Phones are sealed and blind-indexed in the API process, as the API writes them. */
async function fillPhones(
  pool: pg.Pool,
  ids: string[],
  fields: ReturnType<typeof createFieldCipher>,
): Promise<string[]> {
  const phones: string[] = [];
  for (let i = 0; i < ids.length; i += 5000) {
    const chunk = ids.slice(i, i + 5000);
    const rows = chunk.map((id, k) => {
      const phone = `13${String(800000000 + i + k).padStart(9, "0")}`;
      phones.push(phone);
      return [id, fields.seal(phone, `users.phone:${id}`), fields.blindIndex("phone", phone), phone.slice(-4)];
    });
    await pool.query(
      `UPDATE users u SET phone_enc = v.enc, phone_bidx = v.bidx, phone_last4 = v.last4
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS v(id, enc, bidx, last4) WHERE u.id = v.id`,
      [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2]), rows.map((r) => r[3])],
    );
  }
  return phones;
}

interface Stats {
  p50: number;
  p99: number;
  mean: number;
}

async function time(iterations: number, fn: (i: number) => Promise<unknown>): Promise<Stats> {
  for (let i = 0; i < Math.min(20, iterations); i++) await fn(i); // warm-up: plans, caches, JIT
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await fn(i);
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const at = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), mean: samples.reduce((a, b) => a + b, 0) / samples.length };
}

function ctxFor(tenantId: string, ability: AppAbility): RequestContext {
  return {
    requestId: "bench",
    ip: "127.0.0.1",
    userAgent: null,
    ability,
    principal: {
      sessionId: "bench",
      userId: "00000000-0000-0000-0000-000000000000",
      tenantId,
      username: "bench",
      displayName: "bench",
      role: "sysadmin",
      mustChangePassword: false,
      mfaRequired: false,
      mfaMethod: null,
    },
  };
}

async function run(handle: DatabaseHandle): Promise<void> {
  const started = performance.now();
  await migrateUp(handle.pool, () => {});
  const { pool, db } = handle;
  const tenant = (
    await pool.query<{ id: string }>("INSERT INTO tenants (code, name) VALUES ('bench', '压测') RETURNING id")
  ).rows[0]?.id as string;
  const dimension = (
    await pool.query<{ id: string }>(
      "INSERT INTO dimensions (tenant_id, code, name, kind) VALUES ($1, 'admin', '行政', 'administrative') RETURNING id",
      [tenant],
    )
  ).rows[0]?.id as string;
  await pool.query(
    `INSERT INTO posts (id, tenant_id, code, name) SELECT md5('post' || i)::uuid, $1, 'P' || i, '岗位' || i FROM generate_series(0, 49) i`,
    [tenant],
  );
  const fields = createFieldCipher(crypto.randomBytes(32));
  const phase = (name: string) =>
    process.env.BENCH_ORG_KEEP && console.log(`  ${name} at ${((performance.now() - started) / 1000).toFixed(1)} s`);
  await fillDepartments(pool, tenant, dimension);
  phase("departments");
  const ids = await fillUsers(pool, tenant, dimension);
  phase("users");
  const phones = await fillPhones(pool, ids, fields);
  phase("phones");
  await pool.query("ANALYZE");
  const counts = await pool.query<{ d: string; u: string; m: string }>(
    "SELECT (SELECT count(*) FROM departments) d, (SELECT count(*) FROM users) u, (SELECT count(*) FROM memberships) m",
  );
  console.log(
    `data: ${counts.rows[0]?.u} users, ${counts.rows[0]?.d} departments, ${counts.rows[0]?.m} memberships — generated in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );

  const people = createPeople({ db, fields, pbkdf2Iterations: 100_000, accounts: identityAccountOps });
  const sys = ctxFor(tenant, createMongoAbility<AppAbility>(rulesFor("sysadmin")));
  const level2 = (i: number) =>
    crypto
      .createHash("md5")
      .update(`dept${11 + (i % 100)}`)
      .digest("hex")
      .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");
  const scoped = ctxFor(
    tenant,
    createMongoAbility<AppAbility>(
      scopedAdminRules([{ id: "g", dimensionId: dimension, departmentId: level2(0), actions: ["view"] }]),
    ),
  );
  const page = pageOf({ _start: 0, _end: 20, _sort: "createdAt", _order: "desc" } as const);
  const list = (ctx: RequestContext, f: UserFilter) => people.users.list(ctx, f, page);
  const surname = (i: number) => SURNAMES[i % SURNAMES.length] as [string, string];
  const given = (i: number) => GIVEN[(i * 7) % GIVEN.length] as [string, string];

  const cases: [string, (i: number) => Promise<unknown>][] = [
    ["baseline: one account by primary key", (i) => findUser(db, tenant, ids[(i * 7919) % ids.length] as string)],
    ["name prefix (q=张伟)", (i) => list(sys, { q: surname(i)[0] + given(i)[0] })],
    ["name prefix, surname only (q=张)", (i) => list(sys, { q: surname(i)[0] })],
    ["pinyin prefix (q=zhangw)", (i) => list(sys, { q: `${surname(i)[1]}${given(i)[1][0]}` })],
    ["pinyin initials (q=zwm)", (i) => list(sys, { q: `${surname(i)[1][0]}${given(i)[1][0]}${given(i + 3)[1][0]}` })],
    ["employee number (q=E012345)", (i) => list(sys, { q: `E${String((i * 331) % USERS).padStart(6, "0")}` })],
    ["phone via blind index", (i) => list(sys, { phone: phones[(i * 7919) % phones.length] as string })],
    ["department subtree (~1,000 users)", (i) => list(sys, { departmentId: level2(i), includeSubDepartments: true })],
    [
      "department subtree + pinyin (q=w)",
      (i) => list(sys, { departmentId: level2(i), includeSubDepartments: true, q: surname(i)[1][0] }),
    ],
    ["scoped admin: visible subtree only, q=张", (i) => list(scoped, { q: surname(i)[0] })],
  ];
  const baseline = await time(ITERATIONS, cases[0]?.[1] as (i: number) => Promise<unknown>);
  console.log(`| search | p50 ms | p99 ms | p99 / baseline p99 |`);
  console.log(`| --- | --- | --- | --- |`);
  const row = (name: string, s: Stats) =>
    console.log(`| ${name} | ${s.p50.toFixed(2)} | ${s.p99.toFixed(2)} | ${(s.p99 / baseline.p99).toFixed(1)}× |`);
  row(cases[0]?.[0] as string, baseline);
  let worst = 0;
  for (const [name, fn] of cases.slice(1)) {
    const s = await time(ITERATIONS, fn);
    worst = Math.max(worst, s.p99);
    row(name, s);
  }
  console.log(`worst p99 ${worst.toFixed(2)} ms — target < 100 ms: ${worst < 100 ? "met" : "NOT met"}`);
  await sql`SELECT 1`.execute(db);
}

export async function benchOrgSearch(): Promise<void> {
  console.log(
    `\n## Org search — ${USERS} users, ~10,000 departments, ${ITERATIONS} runs per search; baseline: primary-key lookup`,
  );
  let url: string;
  try {
    url = await emptyDatabaseOn(SERVER_URL);
  } catch (err) {
    console.log(`(no PostgreSQL server at ${SERVER_URL}: ${(err as Error).message}; org search skipped)`);
    return;
  }
  const handle = openDatabase(url, 4, () => {});
  try {
    await run(handle);
  } finally {
    await handle.close();
    if (process.env.BENCH_ORG_KEEP) console.log(`(kept ${url} for inspection)`);
    else await dropDatabaseAt(SERVER_URL, url);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchOrgSearch();
