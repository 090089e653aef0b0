import assert from "node:assert/strict";
import { test } from "node:test";
import { createMongoAbility } from "@casl/ability";
import express from "express";
import supertest from "supertest";
import type { AppAbility } from "../../../policies/ability";
import { silentLogger } from "../../../test/support/db";
import { buildOpenApiDocument, createRegistry } from "./openapi";
import { problemHandler } from "./problem";
import { RouteTable } from "./route";
import { z } from "./zod";

/** A bare app with one upload route, so the RouteTable's `upload` option is tested on its own. */
function uploadApp(signedIn: boolean) {
  const app = express();
  app.use(express.json());
  const ability = createMongoAbility<AppAbility>([{ action: "create", subject: "User" }]);
  app.use((req, _res, next) => {
    req.ctx = {
      requestId: "test-request",
      ip: "127.0.0.1",
      userAgent: null,
      principal: signedIn
        ? {
            sessionId: "s",
            userId: "u",
            tenantId: "t",
            username: "tester",
            displayName: "tester",
            role: "sysadmin",
            mustChangePassword: false,
            mfaRequired: false,
            mfaMethod: null,
          }
        : null,
      ability: signedIn ? ability : null,
    };
    next();
  });
  const router = express.Router();
  const registry = createRegistry();
  const routes = new RouteTable(router, registry, async () => {});
  const seen: { bytes: number; type: string; charset: string | undefined }[] = [];
  routes.add({
    method: "post",
    path: "/upload",
    operationId: "testUpload",
    summary: "test",
    tags: ["test"],
    access: { ability: { action: "create", subject: "User" } },
    upload: { contentTypes: ["text/csv", "application/octet-stream"], maxBytes: 1024 },
    response: { status: 200, description: "ok", schema: z.object({ bytes: z.number() }) },
    async handler({ upload }) {
      if (!upload) throw new Error("no upload");
      seen.push({ bytes: upload.buffer.length, type: upload.contentType, charset: upload.charset });
      return { bytes: upload.buffer.length };
    },
  });
  app.use(router);
  app.use(problemHandler(silentLogger));
  return { http: supertest(app), seen, registry };
}

test("an upload route hands the raw bytes, media type and charset to the handler", async () => {
  const { http, seen } = uploadApp(true);
  const bytes = Buffer.from([0xd5, 0xc5, 0x2c, 0x00, 0xff]);
  const res = await http.post("/upload").set("content-type", "text/csv; charset=GBK").send(bytes);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, { bytes: 5 });
  assert.deepEqual(seen, [{ bytes: 5, type: "text/csv", charset: "gbk" }]);
});

test("a media type the route does not accept is 415; JSON included", async () => {
  const { http, seen } = uploadApp(true);
  for (const type of ["application/json", "text/plain", "multipart/form-data; boundary=x"]) {
    const res = await http.post("/upload").set("content-type", type).send("{}");
    assert.equal(res.status, 415, type);
    assert.equal(res.body.code, "UNSUPPORTED_CONTENT_TYPE");
    assert.match(res.body.zh, /文件类型/);
  }
  assert.equal(seen.length, 0);
});

test("a body over the limit is 413, whether declared up front or streamed without a length", async () => {
  const { http, seen } = uploadApp(true);
  const big = await http.post("/upload").set("content-type", "text/csv").send(Buffer.alloc(1025, 0x61));
  assert.equal(big.status, 413);
  assert.equal(big.body.code, "BODY_TOO_LARGE");
  const exact = await http.post("/upload").set("content-type", "text/csv").send(Buffer.alloc(1024, 0x61));
  assert.equal(exact.status, 200);
  const chunked = http
    .post("/upload")
    .set("content-type", "application/octet-stream")
    .set("transfer-encoding", "chunked");
  chunked.write(Buffer.alloc(800, 0x62));
  chunked.write(Buffer.alloc(800, 0x62));
  const streamed = await chunked;
  assert.equal(streamed.status, 413);
  assert.deepEqual(
    seen.map((s) => s.bytes),
    [1024],
  );
});

test("the access guard runs before a byte is read: anonymous uploads are 401", async () => {
  const { http, seen } = uploadApp(false);
  const res = await http.post("/upload").set("content-type", "text/csv").send("a,b\n");
  assert.equal(res.status, 401);
  assert.equal(seen.length, 0);
});

test("the OpenAPI document describes the upload's media types as binary bodies", () => {
  const { registry } = uploadApp(true);
  const doc = buildOpenApiDocument(registry, "test") as {
    paths: Record<
      string,
      { post: { requestBody: { content: Record<string, unknown> }; responses: Record<string, unknown> } }
    >;
  };
  const op = doc.paths["/upload"]?.post;
  assert.deepEqual(Object.keys(op?.requestBody.content ?? {}), ["text/csv", "application/octet-stream"]);
  assert.ok(op?.responses["413"] && op.responses["415"]);
});
