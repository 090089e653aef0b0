import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  PostgresDialect,
  type QueryResult,
  type TransactionSettings,
} from "kysely";

/**
 * Statements a transaction sends with its COMMIT (docs/audit.md, "Write path").
 *
 * node-postgres waits for each statement's answer before it sends the next, so every statement in a
 * transaction costs a network round trip. An audit event is an INSERT nothing in the transaction
 * reads back; sent on its own it is one more round trip per audited change, which on this machine was
 * a 25–50 % overhead on short transactions. A deferred statement is instead held on the connection
 * and sent in the same simple-protocol message as the COMMIT (`INSERT …; COMMIT`): PostgreSQL runs
 * them in order inside the transaction, and if the INSERT fails the COMMIT is skipped and the
 * transaction rolls back — the change and its event still commit together or not at all.
 *
 * Rules that keep this equivalent to sending the statement at once:
 * - ROLLBACK drops what is held; so does ROLLBACK TO SAVEPOINT, because SAVEPOINT sends what is held
 *   before it (in the same message), so everything still held was written after the savepoint;
 * - a statement whose text names a table with held writes sends them first (one extra round trip,
 *   only then), so a transaction reads its own audit events as before;
 * - outside a transaction nothing is held: a deferred statement runs at once.
 *
 * A deferred statement has no parameters (it is sent with the COMMIT in one simple-protocol
 * message): the caller inlines its values with pg's escapeLiteral.
 */
const MARK = /^\/\* defer:([a-z_]+) \*\/ /;

export function deferredStatement(table: string, sqlText: string): CompiledQuery {
  if (!/^[a-z_]+$/.test(table)) throw new Error(`bad table name for a deferred statement: ${table}`);
  return CompiledQuery.raw(`/* defer:${table} */ ${sqlText}`);
}

const SAVEPOINT = /^\s*savepoint\b/i;
const ROLLBACK = /^\s*(rollback|abort)\b/i;
const COMMIT = /^\s*(commit|end)\b/i;

class DeferringConnection implements DatabaseConnection {
  /** Held statements and the tables they write; emptied at COMMIT, ROLLBACK and SAVEPOINT. */
  private held: string[] = [];
  private tables = new Set<string>();
  inTransaction = false;

  constructor(readonly inner: DatabaseConnection) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const mark = MARK.exec(query.sql);
    if (mark && this.inTransaction && query.parameters.length === 0) {
      this.held.push(query.sql);
      this.tables.add(mark[1] as string);
      return { rows: [], numAffectedRows: 1n };
    }
    if (this.held.length === 0) return this.inner.executeQuery(query);
    if (ROLLBACK.test(query.sql)) {
      this.drop();
      return this.inner.executeQuery(query);
    }
    if ((SAVEPOINT.test(query.sql) || COMMIT.test(query.sql)) && query.parameters.length === 0) {
      return this.inner.executeQuery(CompiledQuery.raw(this.take(query.sql)));
    }
    if ([...this.tables].some((t) => query.sql.includes(t))) await this.flush();
    return this.inner.executeQuery(query);
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery(query, chunkSize);
  }

  /** The held statements followed by `last`, as one message; nothing is held afterwards. */
  take(last: string): string {
    const text = [...this.held, last].join(";\n");
    this.drop();
    return text;
  }

  drop(): void {
    this.held = [];
    this.tables.clear();
  }

  async flush(): Promise<void> {
    if (this.held.length === 0) return;
    const text = this.held.join(";\n");
    this.drop();
    await this.inner.executeQuery(CompiledQuery.raw(text));
  }
}

class DeferringDriver implements Driver {
  private readonly wrappers = new WeakMap<DatabaseConnection, DeferringConnection>();

  constructor(private readonly inner: Driver) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.inner.acquireConnection();
    let wrapper = this.wrappers.get(connection);
    if (!wrapper) {
      wrapper = new DeferringConnection(connection);
      this.wrappers.set(connection, wrapper);
    }
    return wrapper;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const c = connection as DeferringConnection;
    c.drop();
    await this.inner.beginTransaction(c.inner, settings);
    c.inTransaction = true;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as DeferringConnection;
    c.inTransaction = false;
    // COMMIT through the wrapper: it carries whatever is held.
    await c.executeQuery(CompiledQuery.raw("commit"));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as DeferringConnection;
    c.inTransaction = false;
    c.drop();
    await this.inner.rollbackTransaction(c.inner);
  }

  async savepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: Parameters<NonNullable<Driver["savepoint"]>>[2],
  ): Promise<void> {
    const c = connection as DeferringConnection;
    // Sent through the wrapper, which puts what is held before the SAVEPOINT.
    if (!this.inner.savepoint) throw new Error("the driver has no savepoints");
    await this.inner.savepoint({ executeQuery: (q) => c.executeQuery(q) } as DatabaseConnection, name, compileQuery);
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: Parameters<NonNullable<Driver["rollbackToSavepoint"]>>[2],
  ): Promise<void> {
    const c = connection as DeferringConnection;
    c.drop();
    if (!this.inner.rollbackToSavepoint) throw new Error("the driver has no savepoints");
    await this.inner.rollbackToSavepoint(c.inner, name, compileQuery);
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: Parameters<NonNullable<Driver["releaseSavepoint"]>>[2],
  ): Promise<void> {
    const c = connection as DeferringConnection;
    if (!this.inner.releaseSavepoint) throw new Error("the driver has no savepoints");
    await this.inner.releaseSavepoint(c.inner, name, compileQuery);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const c = connection as DeferringConnection;
    c.drop();
    c.inTransaction = false;
    await this.inner.releaseConnection(c.inner);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

/** PostgresDialect whose transactions send deferred statements with their COMMIT. */
export class DeferringPostgresDialect extends PostgresDialect {
  override createDriver(): Driver {
    return new DeferringDriver(super.createDriver());
  }
}
