import net from "node:net";

/**
 * CIDR parsing and matching for the admin-plane allow-list, on node:net (no hand-rolled bit maths).
 * A bare address counts as a single-host range (/32 or /128).
 */
export interface Cidr {
  address: string;
  prefix: number;
  family: "ipv4" | "ipv6";
}

export function parseCidr(text: string): Cidr | null {
  const [address, prefixText, ...rest] = text.trim().split("/");
  if (!address || rest.length > 0) return null;
  const version = net.isIP(address);
  if (version === 0) return null;
  const max = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix < 0 || prefix > max) return null;
  return { address, prefix, family: version === 4 ? "ipv4" : "ipv6" };
}

/** Express reports IPv4 clients on a dual-stack socket as ::ffff:a.b.c.d; match them as IPv4. */
export function normaliseIp(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  return mapped?.[1] ?? ip;
}

export interface AllowList {
  /** True when the list is empty (no restriction) or the address falls in one of its ranges. */
  allows(ip: string): boolean;
}

export function allowListOf(cidrs: readonly string[]): AllowList {
  if (cidrs.length === 0) return { allows: () => true };
  const list = new net.BlockList();
  for (const text of cidrs) {
    const cidr = parseCidr(text);
    // Stored lists were validated on the way in; an unparsable entry simply matches nothing.
    if (cidr) list.addSubnet(cidr.address, cidr.prefix, cidr.family);
  }
  return {
    allows(ip) {
      const address = normaliseIp(ip);
      const version = net.isIP(address);
      if (version === 0) return false;
      return list.check(address, version === 4 ? "ipv4" : "ipv6");
    },
  };
}

const cache = new Map<string, AllowList>();

/** The allow-list for a stored list, memoised: it is checked on every admin request. */
export function cachedAllowList(cidrs: readonly string[]): AllowList {
  const key = cidrs.join(",");
  let hit = cache.get(key);
  if (!hit) {
    if (cache.size > 1000) cache.clear();
    hit = allowListOf(cidrs);
    cache.set(key, hit);
  }
  return hit;
}
