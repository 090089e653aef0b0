import { EventEmitter } from "node:events";
import { sql } from "kysely";
import pg from "pg";
import type { Logger } from "pino";
import type { Db } from "./pool";

/**
 * Messages between API instances (ARCHITECTURE §4.8): "tenant T's policies changed, drop your
 * caches". Server mode: PostgreSQL LISTEN/NOTIFY, a dedicated connection listening. Embedded mode:
 * an in-process emitter — PGlite serves every connection from one backend session and LISTEN on
 * its socket receives nothing, and the embedded default is one process by construction.
 *
 * Delivery is at most once: a listener that loses its connection misses what was sent meanwhile,
 * so on reconnecting it fires `onResync` and subscribers must drop everything they cached.
 */
export interface Bus {
  /** Sends after the caller's transaction committed (NOTIFY inside one would also work, but callers
   *  here publish from outside any transaction). Payload: at most 7,900 bytes. */
  publish(channel: string, payload: string): Promise<void>;
  subscribe(channel: string, handler: (payload: string) => void): () => void;
  /** Called when messages may have been lost (the listener reconnected). */
  onResync(handler: () => void): () => void;
  /** True while messages are being received; when false, subscribers must not trust their caches. */
  readonly listening: boolean;
  close(): Promise<void>;
}

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;
const MAX_PAYLOAD = 7_900; // PostgreSQL refuses NOTIFY payloads of 8,000 bytes or more

function checkMessage(channel: string, payload: string): void {
  if (!CHANNEL.test(channel)) throw new Error(`invalid bus channel ${channel}`);
  if (Buffer.byteLength(payload) > MAX_PAYLOAD) throw new Error(`bus payload over ${MAX_PAYLOAD} bytes`);
}

/** The embedded mode's bus: one process, so an emitter is the whole cluster. */
export function createInProcessBus(): Bus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    listening: true,
    async publish(channel, payload) {
      checkMessage(channel, payload);
      // Asynchronous like a real NOTIFY: a subscriber never runs inside the publisher's call stack.
      setImmediate(() => emitter.emit(`m:${channel}`, payload));
    },
    subscribe(channel, handler) {
      checkMessage(channel, "");
      emitter.on(`m:${channel}`, handler);
      return () => emitter.off(`m:${channel}`, handler);
    },
    onResync(handler) {
      emitter.on("resync", handler);
      return () => emitter.off("resync", handler);
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}

export interface PgBusOptions {
  /** Where the listening connection goes (the same database the pool uses). */
  connection: string | pg.ClientConfig;
  /** Publishing goes through the pool: it works while the listener reconnects. */
  db: Db;
  logger: Pick<Logger, "warn" | "info">;
  /** Reconnect back-off bounds, milliseconds. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

/** The server mode's bus: LISTEN on a dedicated connection, NOTIFY through the pool. */
export function createPgBus(opts: PgBusOptions): Bus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const channels = new Map<string, number>(); // channel → subscriber count
  const minDelay = opts.minDelayMs ?? 200;
  const maxDelay = opts.maxDelayMs ?? 10_000;
  let client: pg.Client | null = null;
  let listening = false;
  let closed = false;
  let delay = minDelay;
  let timer: NodeJS.Timeout | undefined;
  let connecting: Promise<void> | null = null;

  const base = typeof opts.connection === "string" ? { connectionString: opts.connection } : opts.connection;

  const scheduleReconnect = () => {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, delay);
    timer.unref(); // background machinery must never keep the process alive
    delay = Math.min(maxDelay, delay * 2);
  };

  const lost = (c: pg.Client, err?: Error) => {
    if (client !== c) return;
    client = null;
    listening = false;
    c.removeAllListeners();
    c.on("error", () => {}); // a late error from a dead client must not crash the process
    void c.end().catch(() => {});
    if (!closed) {
      opts.logger.warn({ err: err?.message }, "bus listener lost its connection; reconnecting");
      scheduleReconnect();
    }
  };

  const connect = (): Promise<void> => {
    connecting ??= (async () => {
      const c = new pg.Client({ ...base, connectionTimeoutMillis: 3_000, application_name: "tianshu-bus" });
      c.on("error", (err) => lost(c, err));
      c.on("end", () => lost(c));
      c.on("notification", (msg) => emitter.emit(`m:${msg.channel}`, msg.payload ?? ""));
      try {
        await c.connect();
        client = c;
        for (const channel of channels.keys()) await c.query(`LISTEN ${channel}`);
        // Let the process exit while only the listener is open (tests, CLI tools).
        (c as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
        if (closed) {
          await c.end();
          return;
        }
        const wasReconnect = delay > minDelay;
        listening = true;
        delay = minDelay;
        // Anything sent while nobody listened is lost: subscribers start from scratch.
        if (wasReconnect) opts.logger.info("bus listener reconnected");
        emitter.emit("resync");
      } catch (err) {
        c.removeAllListeners();
        c.on("error", () => {});
        await c.end().catch(() => {});
        if (client === c) client = null;
        if (!closed) {
          opts.logger.warn({ err: (err as Error).message }, "bus listener cannot connect; retrying");
          scheduleReconnect();
        }
      } finally {
        connecting = null;
      }
    })();
    return connecting;
  };

  void connect();

  return {
    get listening() {
      return listening;
    },
    async publish(channel, payload) {
      checkMessage(channel, payload);
      await sql`SELECT pg_notify(${channel}, ${payload})`.execute(opts.db);
    },
    subscribe(channel, handler) {
      checkMessage(channel, "");
      const count = channels.get(channel) ?? 0;
      channels.set(channel, count + 1);
      if (count === 0 && client) {
        client.query(`LISTEN ${channel}`).catch((err: Error) => client && lost(client, err));
      }
      emitter.on(`m:${channel}`, handler);
      return () => {
        emitter.off(`m:${channel}`, handler);
        const left = (channels.get(channel) ?? 1) - 1;
        if (left > 0) channels.set(channel, left);
        else {
          channels.delete(channel);
          client?.query(`UNLISTEN ${channel}`).catch(() => {});
        }
      };
    },
    onResync(handler) {
      emitter.on("resync", handler);
      return () => emitter.off("resync", handler);
    },
    async close() {
      closed = true;
      listening = false;
      clearTimeout(timer);
      await connecting;
      const c = client;
      client = null;
      emitter.removeAllListeners();
      if (c) {
        c.removeAllListeners();
        c.on("error", () => {});
        await c.end().catch(() => {});
      }
    },
  };
}

/** Waits until a bus is listening (tests; start-up checks). */
export async function untilListening(bus: Bus, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!bus.listening) {
    if (Date.now() > deadline) throw new Error("bus is not listening");
    await new Promise((r) => setTimeout(r, 20));
  }
}
