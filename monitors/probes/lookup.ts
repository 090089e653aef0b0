/**
 * Host name resolution for the HTTP and TCP probes without getaddrinfo. Node's default lookup runs
 * getaddrinfo on libuv's thread pool — four threads, shared with file access and the API's password
 * hashing — so a handful of monitors whose names hang in DNS would stall every other probe and the
 * API itself. This lookup reads /etc/hosts, then asks the resolv.conf servers through c-ares, which
 * is asynchronous on the event loop. Other NSS sources (mDNS, LDAP, NIS) are not consulted.
 */
import { Resolver } from "node:dns/promises";
import type { LookupAddress } from "node:dns";
import fs from "node:fs/promises";
import type { LookupFunction } from "node:net";
import net from "node:net";

export interface LookupSettings {
  /** DNS servers ("ip" or "ip:port"); resolv.conf's when absent. */
  servers?: string[];
  hostsPath?: string;
  /** c-ares's timeout per try, two tries; the probe's own deadline usually ends the wait first. */
  timeoutMs?: number;
}

const HOSTS_CACHE_MS = 10_000;

function parseHosts(text: string): Map<string, LookupAddress[]> {
  const hosts = new Map<string, LookupAddress[]>();
  for (const line of text.split("\n")) {
    const [address, ...names] = line.replace(/#.*/, "").trim().split(/\s+/);
    const family = address ? net.isIP(address) : 0;
    if (!address || family === 0) continue;
    for (const name of names) {
      const key = name.toLowerCase();
      hosts.set(key, [...(hosts.get(key) ?? []), { address, family }]);
    }
  }
  return hosts;
}

function notFound(hostname: string, cause?: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}${cause ? ` (${cause})` : ""}`);
  err.code = "ENOTFOUND";
  return err;
}

function wantedFamily(family: number | "IPv4" | "IPv6" | undefined): 0 | 4 | 6 {
  return family === 4 || family === "IPv4" ? 4 : family === 6 || family === "IPv6" ? 6 : 0;
}

export function createLookup(settings: LookupSettings = {}): LookupFunction {
  const resolver = new Resolver({ timeout: settings.timeoutMs ?? 3000, tries: 2 });
  if (settings.servers) resolver.setServers(settings.servers);
  const hostsPath = settings.hostsPath ?? "/etc/hosts";
  let hosts: { map: Map<string, LookupAddress[]>; readAt: number } | undefined;

  async function fromHosts(name: string): Promise<LookupAddress[]> {
    if (!hosts || Date.now() - hosts.readAt > HOSTS_CACHE_MS) {
      const text = await fs.readFile(hostsPath, "utf8").catch(() => "");
      hosts = { map: parseHosts(text), readAt: Date.now() };
    }
    return hosts.map.get(name) ?? [];
  }

  async function resolve(hostname: string): Promise<LookupAddress[]> {
    const name = hostname.toLowerCase().replace(/\.$/, "");
    const local = await fromHosts(name);
    if (local.length > 0) return local;
    // RFC 6761: localhost names are loopback even without a hosts entry.
    if (name === "localhost" || name.endsWith(".localhost")) {
      return [
        { address: "127.0.0.1", family: 4 },
        { address: "::1", family: 6 },
      ];
    }
    const [v4, v6] = await Promise.allSettled([resolver.resolve4(name), resolver.resolve6(name)]);
    const found = [
      ...(v4.status === "fulfilled" ? v4.value.map((address) => ({ address, family: 4 })) : []),
      ...(v6.status === "fulfilled" ? v6.value.map((address) => ({ address, family: 6 })) : []),
    ];
    if (found.length > 0) return found;
    const codes = [v4, v6].map((r) =>
      r.status === "rejected" ? (r.reason as NodeJS.ErrnoException).code : "",
    ) as string[];
    if (codes.includes("ETIMEOUT")) {
      const err: NodeJS.ErrnoException = new Error(`DNS timeout resolving ${hostname}`);
      err.code = "ETIMEDOUT";
      throw err;
    }
    throw notFound(hostname, codes.filter((c) => c && c !== "ENOTFOUND" && c !== "ENODATA").join(", ") || undefined);
  }

  return (hostname, options, callback) => {
    resolve(hostname).then(
      (all) => {
        const family = wantedFamily(options.family);
        const addresses = family === 0 ? all : all.filter((a) => a.family === family);
        const first = addresses[0];
        if (!first) return callback(notFound(hostname, `no IPv${family} address`), "", 0);
        if (options.all) callback(null, addresses);
        else callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, "", 0),
    );
  };
}

/** The lookup the probes use: /etc/hosts, then the system's DNS servers. */
export const probeLookup = createLookup();
