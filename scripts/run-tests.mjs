#!/usr/bin/env node
// Runs a suite of node:test files through tsx and ends with one line "N passed, N failed".
//   node scripts/run-tests.mjs unit api   → *.test.ts beside the code (api/, policies/, console/src/, …, test/api/)
//   node scripts/run-tests.mjs e2e        → test/e2e/*.e2e.test.ts (needs `npm run build` first)
// Counts are also written to .test-results/<label>.json for .ci/run to total.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const kinds = process.argv.slice(2);
const SOURCE_DIRS = ["api", "policies", "monitors", "reports", "compliance", "console/src", "scripts", "test/api"];

function walk(dir, out = []) {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "dist") continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else out.push(full);
  }
  return out;
}

const files = [];
if (kinds.includes("unit") || kinds.includes("api")) {
  for (const dir of SOURCE_DIRS) {
    for (const f of walk(path.join(root, dir))) {
      if (f.endsWith(".test.ts") && !f.endsWith(".e2e.test.ts")) files.push(path.relative(root, f));
    }
  }
}
if (kinds.includes("e2e")) {
  for (const f of walk(path.join(root, "test/e2e"))) if (f.endsWith(".e2e.test.ts")) files.push(path.relative(root, f));
}
if (files.length === 0) {
  console.error(`no test files for ${kinds.join(" ")}`);
  process.exit(1);
}
files.sort();

const label =
  process.env.TEST_RESULTS_LABEL || `${kinds.join("-")}-${process.env.DATABASE_URL ? "server" : "embedded"}`;
const resultsDir = path.join(root, ".test-results");
fs.mkdirSync(resultsDir, { recursive: true });
const countsFile = path.join(resultsDir, `${label}.json`);
fs.rmSync(countsFile, { force: true });

const args = [
  "--import",
  "tsx",
  "--test",
  `--test-concurrency=${process.env.TEST_CONCURRENCY || 2}`,
  "--test-reporter=spec",
  "--test-reporter-destination=stdout",
  `--test-reporter=${path.join(root, "scripts/count-reporter.mjs")}`,
  `--test-reporter-destination=${countsFile}`,
  ...files,
];
console.log(`running ${files.length} test files (${label})`);
const child = spawn(process.execPath, args, { cwd: root, stdio: "inherit", env: process.env });
child.on("exit", (code, signal) => {
  let counts = { passed: 0, failed: 1 };
  try {
    counts = JSON.parse(fs.readFileSync(countsFile, "utf8"));
  } catch {
    console.error("the test runner wrote no counts");
  }
  console.log(`${counts.passed} passed, ${counts.failed} failed`);
  process.exit(code ?? (signal ? 1 : 0));
});
