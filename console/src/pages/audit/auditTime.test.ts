import assert from "node:assert/strict";
import { test } from "node:test";
import dayjs from "dayjs";
import { fromIso, toIso } from "./auditTime";

test("the range picker's wall-clock time is Beijing time, whatever the process's zone", () => {
  // 09:00 picked means 09:00 in Beijing = 01:00 UTC.
  assert.equal(toIso(dayjs("2026-11-26T09:00:00")), "2026-11-26T01:00:00.000Z");
  // And back: an instant from the address bar shows as Beijing wall-clock time in the picker.
  assert.equal(fromIso("2026-11-26T01:00:00.000Z")?.format("YYYY-MM-DD HH:mm"), "2026-11-26 09:00");
  assert.equal(fromIso("2026-01-01T16:30:00.000Z")?.format("YYYY-MM-DD HH:mm"), "2026-01-02 00:30");
  assert.equal(toIso(fromIso("2026-03-01T12:34:56.000Z")), "2026-03-01T12:34:56.000Z");
  assert.equal(fromIso("not a time"), null);
  assert.equal(fromIso(undefined), null);
  assert.equal(toIso(null), undefined);
});
