import type { RouteTable } from "../http/route";
import { z } from "../http/zod";
import type { KeyRotationService } from "./rotation";

const IdParams = z.strictObject({ id: z.uuid() });

export const KeyRotationSchema = z.object({
  id: z.uuid(),
  state: z.enum(["running", "done", "failed"]),
  fromVersion: z.number().int().describe("The data key that was active before"),
  toVersion: z.number().int().describe("The new active data key"),
  total: z.number().int().describe("Rows with sealed values to re-encrypt (grows if a pass finds stragglers)"),
  done: z.number().int().describe("Rows re-encrypted so far"),
  pass: z.number().int(),
  batches: z.number().int(),
  error: z.string().nullable(),
  startedBy: z.uuid().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
});

/** Data-key rotation (docs/crypto.md "Keys"): start one, follow its progress. */
export function registerKeyRoutes(routes: RouteTable, rotations: KeyRotationService): void {
  routes.add({
    method: "post",
    path: "/api/v1/crypto/key-rotations",
    operationId: "startKeyRotation",
    summary: "Create a new active data key and re-encrypt every sealed value under it in the background",
    tags: ["crypto"],
    access: { ability: { action: "create", subject: "CryptoKey" } },
    response: { status: 202, description: "Started; follow it at the Location", schema: KeyRotationSchema },
    problems: [409],
    async handler({ ctx, res }) {
      const view = await rotations.start(ctx);
      res.location(`/api/v1/crypto/key-rotations/${view.id}`);
      return view;
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/crypto/key-rotations/:id",
    operationId: "getKeyRotation",
    summary: "A key rotation's progress: done of total, and its state",
    tags: ["crypto"],
    access: { ability: { action: "read", subject: "CryptoKey" } },
    params: IdParams,
    response: { status: 200, description: "The rotation", schema: KeyRotationSchema },
    problems: [404],
    handler: ({ params }) => rotations.get(params.id),
  });
}
