import assert from "node:assert/strict";
import type supertest from "supertest";

/** Small factories for watermark tests, through the API as an admin would use it. */
export type Agent = ReturnType<typeof supertest.agent>;

let counter = 0;

export const STYLE = {
  fontSize: 16,
  color: "#336699",
  opacity: 0.15,
  rotate: -22,
  gapX: 100,
  gapY: 80,
  visible: true,
} as const;

/** A valid policy body with a unique name, overridden by `over`. */
export function policyBody(over: Record<string, unknown> = {}): Record<string, unknown> {
  counter += 1;
  return { name: `策略${Date.now().toString(36)}${counter}`, template: "{name}", style: STYLE, ...over };
}

export async function createPolicy(
  sec: Agent,
  over: Record<string, unknown> = {},
): Promise<{ id: string; version: number; etag: string }> {
  const res = await sec.post("/api/v1/watermarks").send(policyBody(over));
  assert.equal(res.status, 201, res.text);
  return { id: res.body.id, version: res.body.version, etag: res.headers.etag as string };
}

/** PATCH with the ETag just read. */
export async function patchPolicy(sec: Agent, id: string, body: Record<string, unknown>): Promise<supertest.Response> {
  const current = await sec.get(`/api/v1/watermarks/${id}`);
  assert.equal(current.status, 200, current.text);
  return sec
    .patch(`/api/v1/watermarks/${id}`)
    .set("if-match", current.headers.etag as string)
    .send(body);
}

/** Deletes every policy of the tenant, so a test starts from a known set. */
export async function clearPolicies(sec: Agent): Promise<void> {
  const list = await sec.get("/api/v1/watermarks").query({ _end: 200 });
  for (const p of list.body as { id: string; version: number }[]) {
    const res = await sec.delete(`/api/v1/watermarks/${p.id}`).set("if-match", `"${p.version}"`);
    assert.equal(res.status, 204, res.text);
  }
}
