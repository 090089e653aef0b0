import { actorOf, record } from "../audit/record";
import type { Db, DbOrTx, Tx } from "../db/pool";
import type { OrgChangesTable } from "../db/schema";
import { assertVersion } from "../http/concurrency";
import type { AppError } from "../http/errors";
import { auditedChange, type Caller } from "./access";
import { recordOrgChange } from "./changes";
import { lockTenantOrg, orgTx, pgCode } from "./tx";

/**
 * The scaffolding shared by the versioned org entities (tenants, dimensions, posts): every change
 * runs in one org transaction, checks the If-Match version against the locked row, writes the change
 * feed and the audit event in that transaction, and records refusals through auditedChange. Each
 * entity keeps its own columns, queries and error codes; only the order of those steps lives here.
 * The reading side (find, list) is in versioned-read.ts.
 */
export interface VersionedEntity<Row extends { id: string; version: number }> {
  /** Change-feed entity; also the audit action prefix ("dimension.update") and the version-conflict noun. */
  kind: OrgChangesTable["entity"];
  /** Audit target type, e.g. "Dimension". */
  targetType: string;
  /** Loads the caller's row (404 when it is missing or another tenant's); `lock` takes FOR UPDATE. */
  find(tx: DbOrTx, caller: Caller, id: string, lock: boolean): Promise<Row>;
  /** What the change feed and the audit log keep of a row. */
  state(row: Row): Record<string, unknown>;
  /** Writes the change feed; defaults to one row in the caller's tenant feed. */
  feed?(tx: Tx, caller: Caller, row: Row, op: OrgChangesTable["op"]): Promise<void>;
}

async function writeFeed<Row extends { id: string; version: number }>(
  tx: Tx,
  entity: VersionedEntity<Row>,
  caller: Caller,
  row: Row,
  op: OrgChangesTable["op"],
): Promise<void> {
  if (entity.feed) return entity.feed(tx, caller, row, op);
  await recordOrgChange(tx, {
    tenantId: caller.principal.tenantId,
    entity: entity.kind,
    entityId: row.id,
    op,
    data: entity.state(row),
  });
}

/** The success event of an org change, with the row's state before and after. */
export async function auditOrgChange(
  tx: Tx,
  caller: Caller,
  targetType: string,
  action: string,
  id: string,
  before: unknown,
  after: unknown,
): Promise<void> {
  await record(tx, {
    ...actorOf(caller.ctx),
    action,
    targetType,
    targetId: id,
    result: "success",
    detail: { before, after },
  });
}

/** Creates a row (`insert` holds the entity's own columns), then feeds and audits it. */
export async function createVersioned<Row extends { id: string; version: number }, Dto>(
  db: Db,
  caller: Caller,
  entity: VersionedEntity<Row>,
  opts: {
    detail: Record<string, unknown>;
    insert: (tx: Tx) => Promise<Row>;
    toDto: (row: Row) => Dto;
    onError?: (err: unknown) => never;
  },
): Promise<Dto> {
  const action = `${entity.kind}.create`;
  return auditedChange(
    db,
    caller,
    { action, targetType: entity.targetType, targetId: null, detail: opts.detail },
    () => {
      const run = orgTx(db, async (tx) => {
        const row = await opts.insert(tx);
        await writeFeed(tx, entity, caller, row, "created");
        await auditOrgChange(tx, caller, entity.targetType, action, row.id, null, entity.state(row));
        return opts.toDto(row);
      });
      return opts.onError ? run.catch(opts.onError) : run;
    },
  );
}

/**
 * Updates the row at `version` (409 when stale): `update` applies the entity's own columns and must
 * bump `version` and `updated_at`; the change is then fed and audited with before and after.
 */
export async function updateVersioned<Row extends { id: string; version: number }, Dto>(
  db: Db,
  caller: Caller,
  entity: VersionedEntity<Row>,
  id: string,
  version: number,
  opts: { update: (tx: Tx, before: Row) => Promise<Row>; toDto: (row: Row) => Dto; onError?: (err: unknown) => never },
): Promise<Dto> {
  const action = `${entity.kind}.update`;
  return auditedChange(db, caller, { action, targetType: entity.targetType, targetId: id }, () => {
    const run = orgTx(db, async (tx) => {
      const before = await entity.find(tx, caller, id, true);
      assertVersion(entity.kind, before.version, version);
      const row = await opts.update(tx, before);
      await writeFeed(tx, entity, caller, row, "updated");
      await auditOrgChange(tx, caller, entity.targetType, action, id, entity.state(before), entity.state(row));
      return opts.toDto(row);
    });
    return opts.onError ? run.catch(opts.onError) : run;
  });
}

/**
 * Deletes the row at `version` (409 when stale). `check` may refuse first; a foreign-key violation
 * from `remove` (something still refers to the row) becomes the entity's `referenced` conflict.
 * `lockOrgFirst` takes the tenant's org lock before the row lock, for checks that read other tables.
 */
export async function deleteVersioned<Row extends { id: string; version: number }>(
  db: Db,
  caller: Caller,
  entity: VersionedEntity<Row>,
  id: string,
  version: number,
  opts: {
    lockOrgFirst?: boolean;
    check?: (tx: Tx, before: Row) => Promise<void>;
    remove: (tx: Tx) => Promise<unknown>;
    referenced: () => AppError;
  },
): Promise<void> {
  const action = `${entity.kind}.delete`;
  await auditedChange(db, caller, { action, targetType: entity.targetType, targetId: id }, () =>
    orgTx(db, async (tx) => {
      if (opts.lockOrgFirst) await lockTenantOrg(tx, caller.principal.tenantId);
      const before = await entity.find(tx, caller, id, true);
      assertVersion(entity.kind, before.version, version);
      if (opts.check) await opts.check(tx, before);
      try {
        await opts.remove(tx);
      } catch (err) {
        if (pgCode(err) === "23503") throw opts.referenced();
        throw err;
      }
      await writeFeed(tx, entity, caller, before, "deleted");
      await auditOrgChange(tx, caller, entity.targetType, action, id, entity.state(before), null);
    }),
  );
}
