/** The TCP probe: up when a connection to host:port opens within the timeout. */
import net from "node:net";
import type { TcpMonitor } from "../config";
import { probeLookup } from "./lookup";
import { deadline, failure, type ProbeResult, upOrDegraded } from "./result";

export async function probeTcp(monitor: TcpMonitor, signal: AbortSignal): Promise<ProbeResult> {
  const started = performance.now();
  const limit = deadline(signal, monitor.timeoutMs);
  try {
    await new Promise<void>((resolve, reject) => {
      if (limit.signal.aborted) return reject(limit.signal.reason);
      const socket = net.connect({ host: monitor.host, port: monitor.port, lookup: probeLookup });
      const onAbort = () => {
        socket.destroy();
        reject(limit.signal.reason);
      };
      limit.signal.addEventListener("abort", onAbort, { once: true });
      socket.once("connect", () => {
        limit.signal.removeEventListener("abort", onAbort);
        // Only whether it opens matters: close at once without waiting for the peer.
        socket.destroy();
        resolve();
      });
      socket.once("error", (err) => {
        limit.signal.removeEventListener("abort", onAbort);
        socket.destroy();
        reject(err);
      });
    });
  } catch (err) {
    return failure(err, started, limit.state());
  } finally {
    limit.release();
  }
  return upOrDegraded(started, monitor.degradedAfterMs, { host: monitor.host, port: monitor.port });
}
