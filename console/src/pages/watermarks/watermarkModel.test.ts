import assert from "node:assert/strict";
import { test } from "node:test";
import dayjs from "dayjs";
import timezone from "dayjs/plugin/timezone";
import utc from "dayjs/plugin/utc";
import {
  fillTemplate,
  fromFormValues,
  hexToRgba,
  periodState,
  previewProps,
  rankReason,
  sampleValues,
  toFormValues,
  unknownFields,
} from "./watermarkModel";

dayjs.extend(utc);
dayjs.extend(timezone);

test("the template is filled like the server fills it", () => {
  assert.deepEqual(
    fillTemplate("{name} {phoneLast4}\n\n  {department}  \n{ip}", { name: "张三", phoneLast4: "8000" }),
    ["张三 8000"],
  );
  assert.deepEqual(fillTemplate("内部资料 {text}", { text: "勿外传" }), ["内部资料 勿外传"]);
  assert.deepEqual(unknownFields("{name} {salary} {salary} {}"), ["salary", ""]);
  assert.deepEqual(unknownFields("{name}{date}{time}{text}"), []);
});

test("sample values are in Beijing time", () => {
  const values = sampleValues(dayjs.utc("2026-11-26T17:30:00Z"), { name: "张三", department: "财务部" }, "机密");
  assert.equal(values.date, "2026-11-27");
  assert.equal(values.time, "01:30");
  assert.equal(values.text, "机密");
});

test("the preview draws an invisible policy as faintly as the server", () => {
  const style = { fontSize: 20, color: "#336699", opacity: 0.3, rotate: -20, gapX: 50, gapY: 60, visible: true };
  assert.deepEqual(previewProps(style), {
    font: { color: "rgba(51, 102, 153, 0.3)", fontSize: 20 },
    rotate: -20,
    gap: [50, 60],
  });
  assert.equal(previewProps({ ...style, visible: false }).font.color, "rgba(51, 102, 153, 0.005)");
  assert.equal(hexToRgba("bad", 1), "rgba(0, 0, 0, 1)");
});

test("form values round-trip; empty period ends are null", () => {
  const input = fromFormValues(toFormValues(undefined));
  assert.equal(input.validFrom, null);
  assert.deepEqual(input.scope, { departments: [], apps: [], contexts: [] });
  const form = {
    ...toFormValues(undefined),
    name: "  财务  ",
    validTo: dayjs.utc("2027-01-01T00:00:00Z"),
    apps: ["im"],
  };
  const body = fromFormValues(form);
  assert.equal(body.name, "财务");
  assert.equal(body.validTo, "2027-01-01T00:00:00.000Z");
  assert.deepEqual(body.scope.apps, ["im"]);
});

test("period state", () => {
  const now = new Date("2026-11-26T00:00:00Z");
  const base = { enabled: true, validFrom: null, validTo: null };
  assert.equal(periodState(base, now), "active");
  assert.equal(periodState({ ...base, enabled: false }, now), "disabled");
  assert.equal(periodState({ ...base, validFrom: "2026-12-01T00:00:00Z" }, now), "not-yet-valid");
  assert.equal(periodState({ ...base, validTo: "2026-11-26T00:00:00Z" }, now), "expired");
});

test("rank reasons follow the server's tie-break order", () => {
  const top = { name: "薪酬", priority: 5, dimensions: 2, depth: 3, updatedAt: "2026-11-26T00:00:00Z" };
  assert.deepEqual(rankReason(undefined, top), { key: "chosen", values: {} });
  assert.deepEqual(rankReason(top, { ...top, name: "b", priority: 1 }), {
    key: "lowerPriority",
    values: { above: "薪酬", mine: 1, theirs: 5 },
  });
  assert.equal(rankReason(top, { ...top, dimensions: 1 }).key, "fewerDimensions");
  assert.deepEqual(rankReason(top, { ...top, depth: 2 }).values, { above: "薪酬", mine: 2, theirs: 3 });
  assert.equal(rankReason(top, { ...top, updatedAt: "2026-11-25T00:00:00Z" }).key, "older");
  assert.equal(rankReason(top, { ...top }).key, "largerId");
});
