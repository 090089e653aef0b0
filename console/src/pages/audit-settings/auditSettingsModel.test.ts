import assert from "node:assert/strict";
import { test } from "node:test";
import { formatBytes, fromFormValues, toFormValues } from "./auditSettingsModel";

const MIB = 1024 * 1024;

test("sizes in binary units, trailing zeros dropped", () => {
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(1023), "1023 B");
  assert.equal(formatBytes(1536), "1.5 KiB");
  assert.equal(formatBytes(MIB), "1 MiB");
  assert.equal(formatBytes(10 * MIB), "10 MiB");
  assert.equal(formatBytes(100 * MIB), "100 MiB");
  assert.equal(formatBytes(10 * 1024 * MIB), "10 GiB");
  assert.equal(formatBytes(123.456 * MIB), "123 MiB");
  assert.equal(formatBytes(12.345 * MIB), "12.3 MiB");
});

test("the form holds the limit in MiB; an unchanged limit keeps its exact bytes", () => {
  const current = { retentionDays: 184, storageLimitBytes: 10 * 1024 * MIB, alertThresholdPercent: 80 };
  const form = toFormValues(current);
  assert.deepEqual(form, { retentionDays: 184, storageLimitMiB: 10 * 1024, alertThresholdPercent: 80 });
  assert.deepEqual(fromFormValues({ ...form, retentionDays: 200 }, current), { ...current, retentionDays: 200 });
  assert.equal(fromFormValues({ ...form, storageLimitMiB: 1 }, current).storageLimitBytes, MIB);

  const odd = { ...current, storageLimitBytes: 5 * MIB + 123 };
  assert.equal(toFormValues(odd).storageLimitMiB, 5);
  assert.equal(fromFormValues(toFormValues(odd), odd).storageLimitBytes, 5 * MIB + 123, "not rounded when untouched");
  assert.equal(toFormValues({ ...current, storageLimitBytes: 1 }).storageLimitMiB, 1, "never shown as 0 MiB");
});
