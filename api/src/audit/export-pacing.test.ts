import assert from "node:assert/strict";
import { PassThrough, Writable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { test } from "node:test";
import ExcelJS from "exceljs";
import { compressorDrained } from "./export";

/**
 * The XLSX export waits for the zip compressor after each page (export.ts compressorDrained): exceljs
 * hands rows to the compressor without waiting, and when deflate is slower than the database, rows
 * piled up — 677 MB for 900,000 events before, 30 MB after (docs/benchmarks.md).
 */
test("a page waits while the compressor's input needs draining, and goes on when it drains", async () => {
  const compressor = new PassThrough({ highWaterMark: 1024 });
  compressor.write(Buffer.alloc(4096)); // over its mark, and nobody reads: it needs draining
  const sheet = { stream: { pipes: [compressor] } };
  let paced = false;
  const waiting = compressorDrained(sheet).then(() => {
    paced = true;
  });
  await sleep(200);
  assert.equal(paced, false, "waits");
  compressor.resume(); // the compressor reads its input
  await waiting;
  assert.equal(paced, true);
  await compressorDrained(sheet); // drained: no wait
});

test("the exceljs internals the pacing reads are there (an upgrade that moves them fails here)", async () => {
  const client = new Writable({
    write(_chunk, _encoding, callback) {
      setImmediate(callback);
    },
  });
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: client,
    useStyles: false,
    useSharedStrings: false,
  });
  const sheet = workbook.addWorksheet("audit_events");
  for (let i = 0; i < 5_000; i++) sheet.addRow([`event ${i}`, "详情".repeat(50), i]).commit();
  await sleep(50);
  const pipes = (sheet as unknown as { stream: { pipes: unknown } }).stream.pipes;
  assert.ok(Array.isArray(pipes) && pipes.length === 1, "the worksheet stream pipes into the compressor");
  const state = (pipes[0] as { _writableState?: { needDrain?: unknown } })._writableState;
  assert.equal(typeof state?.needDrain, "boolean", "whose writable state tells whether it needs draining");
  await compressorDrained(sheet);
});

test("pacing leaves anything that is not an exceljs worksheet alone", async () => {
  await compressorDrained({});
  await compressorDrained(null);
  await compressorDrained({ stream: { pipes: "nope" } });
});
