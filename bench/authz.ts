import crypto from "node:crypto";
import pg from "pg";
import type { AclIntegrity } from "../api/src/authz/integrity";
import { abilityFor } from "../policies/ability";
import { PolicyDocumentSchema } from "../policies/document";
import { decide } from "../policies/explain";
import { applicableRules, compilePolicySet, type PublishedPolicy, policyRules } from "../policies/policy-set";
import { buildAbility } from "../policies/ability";
import { reachable, runLoad } from "./load";
import { insertApiClient, platformTenant, startSeededServer } from "./server";

/**
 * Entry 2: authorization decisions.
 * (a) in-process `can` with 1,000 authored policies over a 10,000-department tree, against a plain
 *     role lookup (the duty-only ability and a Set lookup) measured in the same run;
 * (b) POST /api/v1/authz/check, batches of 100, decisions/s over HTTP on the PostgreSQL server,
 *     against GET /healthz requests/s on the same server process.
 */
const SERVER_URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const DURATION_MS = Number(process.env.BENCH_SECONDS ?? 5) * 1000;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const TYPES = Array.from({ length: 20 }, (_, i) => `Resource${i}`);
const ACTIONS = ["read", "update", "download", "approve"];

/** A deterministic pseudo-random generator, so runs are comparable. */
function rng(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

function tree(n: number, rand: () => number): string[][] {
  const paths: string[][] = [];
  for (let i = 0; i < n; i++) {
    const id = crypto.randomUUID();
    const parent = i === 0 ? undefined : paths[Math.floor(rand() * Math.min(i, 2000))];
    paths.push(parent && parent.length < 8 ? [...parent, id] : [id]);
  }
  return paths;
}

function policies(count: number, paths: string[][], rand: () => number, onlyOne = false): PublishedPolicy[] {
  const out: PublishedPolicy[] = [];
  for (let i = 0; i < count; i++) {
    const dept = paths[Math.floor(rand() * paths.length)] as string[];
    const deny = rand() < 0.2;
    const rules = [
      {
        effect: deny ? "deny" : "allow",
        actions: onlyOne ? ["read"] : [ACTIONS[Math.floor(rand() * ACTIONS.length)]],
        resource: onlyOne ? "Document" : TYPES[Math.floor(rand() * TYPES.length)],
        conditions: deny
          ? [{ attribute: "resource.classificationLevel", operator: "gt", value: { ref: "subject.clearanceLevel" } }]
          : [
              { attribute: "resource.departmentPath", operator: "contains", value: dept.at(-1) },
              ...(rand() < 0.5 ? [{ attribute: "subject.clearanceLevel", operator: "gte", value: 1 }] : []),
            ],
      },
    ];
    out.push({ id: `p${i}`, name: `policy ${i}`, version: 1, document: PolicyDocumentSchema.parse({ rules }) });
  }
  return out;
}

function percentiles(samples: number[]) {
  samples.sort((a, b) => a - b);
  const at = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99) };
}

function time(iterations: number, fn: (i: number) => void): { p50: number; p99: number } {
  const samples: number[] = new Array(iterations);
  for (let i = 0; i < 20_000; i++) fn(i); // warm-up (JIT)
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    fn(i);
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  return percentiles(samples);
}

const fmtUs = (r: { p50: number; p99: number }) =>
  `p50 ${r.p50.toFixed(2).padStart(6)} µs   p99 ${r.p99.toFixed(2).padStart(6)} µs`;

export function benchInProcess(): void {
  console.log("\n## ability.can in process — 1,000 policies, 10,000-department tree; baseline: plain role lookup");
  const rand = rng(42);
  const paths = tree(10_000, rand);
  const subject = { id: crypto.randomUUID(), departmentPath: paths[5000], clearanceLevel: 3, role: "user" };
  const env = { ip: "10.0.0.1", time: new Date(), mfa: true };
  const resources = Array.from({ length: 4096 }, () => ({
    type: TYPES[Math.floor(rand() * TYPES.length)] as string,
    action: ACTIONS[Math.floor(rand() * ACTIONS.length)] as string,
    attributes: {
      departmentPath: paths[Math.floor(rand() * paths.length)],
      classificationLevel: Math.floor(rand() * 6),
    },
  }));
  const build = (set: ReturnType<typeof compilePolicySet>) => {
    const bits = applicableRules(set, subject, env);
    const { allows, denies } = policyRules(set, subject, bits);
    return buildAbility({ role: null, grantRules: [], policyAllows: allows, policyDenies: denies });
  };
  const spread = compilePolicySet(policies(1000, paths, rand));
  const ability = build(spread);
  const roleSet = new Set(["read:Policy", "update:Policy"]);
  const dutyOnly = abilityFor("secadmin");
  const baselineSet = time(200_000, (i) => void roleSet.has(i % 2 ? "read:Policy" : "read:User"));
  const baselineDuty = time(200_000, (i) => void dutyOnly.can(i % 2 ? "read" : "update", "Policy"));
  const decision = time(200_000, (i) => {
    const r = resources[i & 4095] as (typeof resources)[number];
    decide(ability, r.action, r);
  });
  const oneType = compilePolicySet(policies(1000, paths, rand, true));
  const worst = build(oneType);
  const worstCase = time(50_000, (i) => {
    const r = resources[i & 4095] as (typeof resources)[number];
    decide(worst, "read", { type: "Document", attributes: r.attributes });
  });
  const building = time(200, () => void build(spread));
  console.log(`baseline  Set.has(role:action)                        ${fmtUs(baselineSet)}`);
  console.log(`baseline  duty-only ability.can(action, type)         ${fmtUs(baselineDuty)}`);
  console.log(`decision  1,000 policies over 20 types × 4 actions   ${fmtUs(decision)}   target p99 < 50 µs`);
  console.log(`worst     1,000 rules on one (action, type)           ${fmtUs(worstCase)}`);
  console.log(`build     the per-subject ability (cached per generation) ${fmtUs(building)}`);
}

/** Seeds a migrated server database directly: users in a department tree, 200 published policies, an API client. */
async function seed(
  url: string,
  integrity: AclIntegrity,
): Promise<{ bearer: string; userIds: string[]; paths: string[][] }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const owner = await platformTenant(client);
    const { tenant } = owner;
    const dim = (
      await client.query(
        "INSERT INTO dimensions (tenant_id, code, name, kind) VALUES ($1, 'bench', '基准', 'administrative') RETURNING id",
        [tenant],
      )
    ).rows[0].id as string;
    const rand = rng(7);
    const paths: string[][] = [];
    for (let i = 0; i < 200; i++) {
      const id = crypto.randomUUID();
      const parent = i === 0 ? undefined : paths[Math.floor(rand() * i)];
      const p = parent && parent.length < 6 ? [...parent, id] : [id];
      await client.query(
        "INSERT INTO departments (id, tenant_id, dimension_id, parent_id, path, name) VALUES ($1,$2,$3,$4,$5,$6)",
        [id, tenant, dim, p.length > 1 ? p.at(-2) : null, p, `部门${i}`],
      );
      paths.push(p);
    }
    const userIds: string[] = [];
    for (let i = 0; i < 50; i++) {
      const u = (
        await client.query(
          "INSERT INTO users (tenant_id, username, display_name, password_hash, clearance_level) VALUES ($1,$2,$2,'x',3) RETURNING id",
          [tenant, `bench${i}`],
        )
      ).rows[0].id as string;
      const d = paths[Math.floor(rand() * paths.length)] as string[];
      await client.query(
        "INSERT INTO memberships (tenant_id, user_id, department_id, dimension_id, is_primary) VALUES ($1,$2,$3,$4,true)",
        [tenant, u, d.at(-1), dim],
      );
      userIds.push(u);
    }
    for (const p of policies(200, paths, rand)) {
      // With the MACs the server checks on load (api/src/authz/integrity.ts).
      const id = crypto.randomUUID();
      await client.query("INSERT INTO policies (id, tenant_id, name, published_version, mac) VALUES ($1,$2,$3,1,$4)", [
        id,
        tenant,
        p.name,
        integrity.mac("policy", { id, tenantId: tenant, publishedVersion: 1 }),
      ]);
      await client.query(
        "INSERT INTO policy_versions (policy_id, version, status, document, created_by, published_by, published_at, mac) VALUES ($1,1,'published',$2,$3,$3,now(),$4)",
        [
          id,
          JSON.stringify(p.document),
          owner.admin,
          integrity.mac("policy_version", {
            policyId: id,
            version: 1,
            document: JSON.parse(JSON.stringify(p.document)),
          }),
        ],
      );
    }
    const bearer = await insertApiClient(client, integrity, owner, ["authz:check"]);
    return { bearer, userIds, paths };
  } finally {
    await client.end();
  }
}

export async function benchAuthzCheck(): Promise<void> {
  console.log(
    `\n## POST /api/v1/authz/check, batches of 100 — ${CONCURRENCY} connections, ${DURATION_MS / 1000} s; baseline: GET /healthz`,
  );
  if (!(await reachable(SERVER_URL))) {
    console.log(`(no PostgreSQL server at ${SERVER_URL}: skipped; set BENCH_DATABASE_URL)`);
    return;
  }
  const server = await startSeededServer(SERVER_URL, {}, seed);
  const { base } = server;
  const { bearer, userIds, paths } = server.seeded;
  try {
    const rand = rng(99);
    const checks = Array.from({ length: 100 }, () => ({
      subject: { userId: userIds[Math.floor(rand() * userIds.length)] },
      action: ACTIONS[Math.floor(rand() * ACTIONS.length)],
      resource: {
        type: TYPES[Math.floor(rand() * TYPES.length)],
        attributes: {
          departmentPath: paths[Math.floor(rand() * paths.length)],
          classificationLevel: Math.floor(rand() * 6),
        },
      },
      environment: { ip: "10.1.2.3" },
    }));
    const body = JSON.stringify({ checks });
    const headers = { authorization: bearer };
    const probe = await fetch(`${base}/api/v1/authz/check`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body,
    });
    if (probe.status !== 200) throw new Error(`check failed: ${probe.status} ${await probe.text()}`);
    const baseline = await runLoad({
      url: `${base}/healthz`,
      concurrency: CONCURRENCY,
      durationMs: DURATION_MS,
      expectStatus: 200,
    });
    const pdp = await runLoad({
      url: `${base}/api/v1/authz/check`,
      headers,
      body,
      concurrency: CONCURRENCY,
      durationMs: DURATION_MS,
      expectStatus: 200,
    });
    console.log(
      `server  /healthz        ${baseline.rps.toFixed(0).padStart(7)} req/s   p50 ${baseline.p50Ms.toFixed(2)} ms   p99 ${baseline.p99Ms.toFixed(2)} ms`,
    );
    console.log(
      `server  /authz/check    ${pdp.rps.toFixed(0).padStart(7)} req/s = ${(pdp.rps * 100).toFixed(0)} decisions/s   p50 ${pdp.p50Ms.toFixed(2)} ms   p99 ${pdp.p99Ms.toFixed(2)} ms   (${pdp.errors} errors)   = ${(pdp.rps / baseline.rps).toFixed(3)} × baseline req/s; target ≥ 20,000 decisions/s`,
    );
  } finally {
    await server.close();
  }
}
