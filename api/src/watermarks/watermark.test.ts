import assert from "node:assert/strict";
import { test } from "node:test";
import { type ResolvablePolicy, resolveWatermark, type Viewer } from "./resolve";
import { fillTemplate, phoneLast4, templateProblems } from "./template";
import { renderTile, type WatermarkStyle } from "./tile";

const at = (iso: string) => new Date(iso);
const policy = (id: string, over: Partial<ResolvablePolicy> = {}): ResolvablePolicy => ({
  id,
  enabled: true,
  priority: 0,
  scope: { departments: [], apps: [], contexts: [] },
  validFrom: null,
  validTo: null,
  updatedAt: at("2026-01-01T00:00:00Z"),
  ...over,
});
// Viewer in root → finance → payroll, using the chat app in an external group.
const viewer: Viewer = { departmentPaths: [["root", "finance", "payroll"]], appId: "chat", context: "external-group" };
const now = at("2026-11-26T00:00:00Z");

test("resolution: priority first, then specificity, then the deeper department, then the newer policy, then the id", () => {
  const tenant = policy("a-tenant");
  const finance = policy("b-finance", { scope: { departments: ["finance"], apps: [], contexts: [] } });
  const payroll = policy("c-payroll", { scope: { departments: ["payroll"], apps: [], contexts: [] } });
  const external = policy("d-ext", { scope: { departments: ["root"], apps: [], contexts: ["external-group"] } });
  assert.equal(resolveWatermark([tenant], viewer, now)?.id, "a-tenant");
  assert.equal(resolveWatermark([tenant, finance], viewer, now)?.id, "b-finance", "a set dimension beats none");
  assert.equal(resolveWatermark([finance, payroll], viewer, now)?.id, "c-payroll", "the deeper subtree");
  assert.equal(resolveWatermark([payroll, external], viewer, now)?.id, "d-ext", "two dimensions beat one");
  const urgent = policy("z-urgent", { priority: 10 });
  assert.equal(
    resolveWatermark([payroll, external, urgent], viewer, now)?.id,
    "z-urgent",
    "priority beats specificity",
  );
  const newer = policy("e-tenant", { updatedAt: at("2026-06-01T00:00:00Z") });
  assert.equal(resolveWatermark([tenant, newer], viewer, now)?.id, "e-tenant");
  assert.equal(resolveWatermark([policy("y"), policy("x")], viewer, now)?.id, "x", "last tie-break: the id");
});

test("resolution: disabled, out-of-period and non-matching policies never apply", () => {
  const policies = [
    policy("off", { enabled: false }),
    policy("later", { validFrom: at("2026-12-01T00:00:00Z") }),
    policy("ended", { validTo: now }),
    policy("hr", { scope: { departments: ["hr"], apps: [], contexts: [] } }),
    policy("mail", { scope: { departments: [], apps: ["mail"], contexts: [] } }),
    policy("share", { scope: { departments: [], apps: [], contexts: ["screen-share"] } }),
  ];
  assert.equal(resolveWatermark(policies, viewer, now), null);
  assert.equal(resolveWatermark([policy("p", { validFrom: now })], viewer, now)?.id, "p", "validFrom is inclusive");
  const noApp: Viewer = { ...viewer, appId: null };
  assert.equal(
    resolveWatermark([policy("chat", { scope: { departments: [], apps: ["chat"], contexts: [] } })], noApp, now),
    null,
  );
});

test("templates: fields filled, unknown fields refused, phone reduced to its last four digits", () => {
  assert.deepEqual(
    fillTemplate("{name} {phoneLast4}\n{department} {date}\n{missing}", {
      name: "张三",
      phoneLast4: phoneLast4("+86 138-0013-8000"),
      department: "财务处",
      date: "2026-11-26",
    }),
    ["张三 8000", "财务处 2026-11-26", ""].filter(Boolean),
  );
  assert.deepEqual(templateProblems("{name} {employeeNo}"), []);
  const problems = templateProblems("{name} {salary}");
  assert.equal(problems.length, 1);
  assert.match(problems[0]?.message ?? "", /Unknown field \{salary\}/);
  assert.equal(templateProblems("").length, 1);
  assert.equal(phoneLast4("12"), null);
});

test("the tile is well-formed SVG with the text escaped, rotated, sized by its gaps; invisible is faint", () => {
  const style: WatermarkStyle = {
    fontSize: 16,
    color: "#000000",
    opacity: 0.15,
    rotate: -22,
    gapX: 100,
    gapY: 80,
    visible: true,
  };
  const { svg, width, height } = renderTile(["张三 <8000> & co"], style, "0123456789ABCDEFGHJK");
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="\d+" height="\d+"/);
  assert.match(svg, /张三 &lt;8000&gt; &amp; co/);
  assert.match(svg, /rotate\(-22\)/);
  assert.match(svg, /fill-opacity="0.15"/);
  assert.match(svg, /0123456789ABCDEFGHJK/);
  const denser = renderTile(["张三 <8000> & co"], { ...style, gapX: 20, gapY: 20 }, "0123456789ABCDEFGHJK");
  assert.deepEqual([width - denser.width, height - denser.height], [80, 60]);
  assert.match(renderTile(["x"], { ...style, visible: false }).svg, /fill-opacity="0.005"/);
});
