import type { Db, Tx } from "./pool";

/** Runs fn in one transaction: the change and its audit event commit together or not at all. */
export function withTx<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction().execute(fn);
}
