/** Helpers for the probe tests (not a test file itself): definitions with defaults, throwaway servers. */
import http from "node:http";
import type { AddressInfo } from "node:net";
import net from "node:net";
import { type ActiveMonitor, MonitorDefinitionSchema } from "../config";

/** A validated definition, so tests run the probes on exactly what the config would accept. */
export function monitor<T extends ActiveMonitor["type"]>(
  type: T,
  fields: Record<string, unknown>,
): Extract<ActiveMonitor, { type: T }> {
  return MonitorDefinitionSchema.parse({ type, name: `test ${type}`, intervalSeconds: 60, ...fields }) as Extract<
    ActiveMonitor,
    { type: T }
  >;
}

export const never = new AbortController().signal;

export async function listen(server: net.Server, host = "127.0.0.1"): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as AddressInfo).port;
}

/** A port nothing listens on: bound, then closed again. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Closes a server and every socket still open on it (hanging requests included). */
export async function closeAll(server: http.Server | net.Server, sockets: Set<net.Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export function trackSockets(server: net.Server): Set<net.Socket> {
  const sockets = new Set<net.Socket>();
  server.on("connection", (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  return sockets;
}
