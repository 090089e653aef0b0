import { listQuery, pageOf, setTotal, TOTAL_COUNT_HEADER } from "../http/list";
import type { RouteTable } from "../http/route";
import { z } from "../http/zod";
import type { KeyRotationService } from "./rotation";

const IdParams = z.strictObject({ id: z.uuid() });
const VersionParams = z.strictObject({ version: z.coerce.number().int().min(1).max(2_147_483_647) });
const DataKeyListQuery = listQuery(["version", "createdAt"] as const, "version");

export const DataKeySchema = z.object({
  version: z.number().int(),
  state: z.enum(["active", "retiring", "retired", "destroyed"]),
  createdAt: z.string(),
  destroyedAt: z.string().nullable(),
});

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

  routes.add({
    method: "get",
    path: "/api/v1/crypto/data-keys",
    operationId: "listDataKeys",
    summary: "The data keys of the field cipher: version and state (never key material)",
    tags: ["crypto"],
    access: { ability: { action: "read", subject: "CryptoKey" } },
    query: DataKeyListQuery,
    response: {
      status: 200,
      description: "A page of data keys",
      schema: z.array(DataKeySchema),
      headers: { [TOTAL_COUNT_HEADER]: "Total number of matching rows" },
    },
    async handler({ query, res }) {
      const { rows, total } = await rotations.dataKeys.list(pageOf(query));
      setTotal(res, total);
      return rows;
    },
  });

  routes.add({
    method: "delete",
    path: "/api/v1/crypto/data-keys/:version",
    operationId: "destroyDataKey",
    summary: "Destroy a retired data key that no sealed value uses any more (its row stays, its key is erased)",
    tags: ["crypto"],
    access: { ability: { action: "delete", subject: "CryptoKey" } },
    params: VersionParams,
    response: { status: 204, description: "Destroyed" },
    problems: [404, 409],
    async handler({ params, ctx }) {
      await rotations.dataKeys.destroy(ctx, params.version);
      return undefined;
    },
  });
}
