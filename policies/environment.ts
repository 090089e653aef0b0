import net from "node:net";

/**
 * The request environment a policy can talk about: the client's IP, the time of day in a named time
 * zone, and whether the session proved a second factor. Values may be unknown (undefined): a PDP
 * caller that does not send an IP, a subject given by attributes only.
 */
export interface DecisionEnvironmentInput {
  ip?: string | undefined;
  time?: Date | undefined;
  mfa?: boolean | undefined;
}

// ---------------------------------------------------------------------------------------------
// CIDRs

export interface ParsedCidr {
  address: string;
  prefix: number;
  family: "ipv4" | "ipv6";
}

/**
 * Parses "a.b.c.d/n" or an IPv6 "x::/n". A bare address means a single host (/32 or /128).
 * Host bits set after the prefix are refused: "10.1.2.3/8" is almost always a typo for
 * "10.1.2.3/32" or "10.0.0.0/8", and a policy must say which.
 */
export function parseCidr(text: string): ParsedCidr | string {
  const [address = "", prefixText, extra] = text.trim().split("/");
  if (extra !== undefined) return "more than one '/'";
  const family = net.isIPv4(address) ? "ipv4" : net.isIPv6(address) ? "ipv6" : null;
  if (!family) return `"${address}" is not an IPv4 or IPv6 address`;
  const bits = family === "ipv4" ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return `prefix "${prefixText}" is not a number`;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return `prefix /${prefix} is longer than ${bits} bits`;
  const network = networkAddress(address, prefix, family);
  if (network !== null && network !== canonical(address, family)) {
    return `host bits are set: the network of /${prefix} is ${network}`;
  }
  return { address, prefix, family };
}

function canonical(address: string, family: "ipv4" | "ipv6"): string {
  return family === "ipv4" ? address : expandIpv6(address).join(":");
}

/** The network address of address/prefix, in the same canonical form as `canonical`. */
function networkAddress(address: string, prefix: number, family: "ipv4" | "ipv6"): string | null {
  if (family === "ipv4") {
    const n = address.split(".").reduce((acc, part) => acc * 256 + Number(part), 0);
    const mask = prefix === 0 ? 0 : 2 ** 32 - 2 ** (32 - prefix);
    const masked = Number(BigInt(n) & BigInt(mask));
    return [24, 16, 8, 0].map((shift) => Math.floor(masked / 2 ** shift) % 256).join(".");
  }
  const groups = expandIpv6(address);
  if (groups.length !== 8) return null; // an embedded IPv4 tail: leave it to BlockList
  let value = groups.reduce((acc, g) => (acc << 16n) | BigInt(`0x${g}`), 0n);
  const hostBits = BigInt(128 - prefix);
  value = (value >> hostBits) << hostBits;
  const out: string[] = [];
  for (let i = 7; i >= 0; i--) out.push(((value >> BigInt(i * 16)) & 0xffffn).toString(16).padStart(4, "0"));
  return out.join(":");
}

function expandIpv6(address: string): string[] {
  if (address.includes(".")) return []; // ::ffff:1.2.3.4 form
  const [head = "", tail] = address.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array.from({ length: missing }, () => "0"), ...right].map((g) =>
    g.toLowerCase().padStart(4, "0"),
  );
}

/** A matcher over a list of CIDRs; IPv4-mapped IPv6 client addresses (::ffff:a.b.c.d) match IPv4 ranges. */
export function cidrMatcher(cidrs: string[]): (ip: string) => boolean {
  const list = new net.BlockList();
  for (const text of cidrs) {
    const parsed = parseCidr(text);
    if (typeof parsed === "string") throw new Error(`invalid CIDR ${text}: ${parsed}`);
    list.addSubnet(parsed.address, parsed.prefix, parsed.family);
  }
  return (ip) => {
    const family = net.isIPv4(ip) ? "ipv4" : net.isIPv6(ip) ? "ipv6" : null;
    if (!family) return false;
    return list.check(ip, family);
  };
}

// ---------------------------------------------------------------------------------------------
// Time-of-day windows

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface TimeWindow {
  /** "HH:MM", inclusive. */
  from: string;
  /** "HH:MM", exclusive; "24:00" is the end of the day. A window with to < from spans midnight. */
  to: string;
  /** IANA time zone, e.g. "Asia/Shanghai". */
  timeZone: string;
  /** Days the window applies on (the day the window starts, for one that spans midnight); all when absent. */
  days?: Weekday[] | undefined;
}

export const HH_MM = /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/;

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

interface LocalTime {
  weekday: number; // 0 = Monday
  minute: number; // minute of the day
}

const formatters = new Map<string, Intl.DateTimeFormat>();
/** Formatting is the slow part (microseconds); one local time per zone per minute is enough. */
const localCache = new Map<string, { stamp: number; local: LocalTime }>();
const WEEKDAY_INDEX: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

function localTime(time: Date, timeZone: string): LocalTime {
  const stamp = Math.floor(time.getTime() / 60_000);
  const cached = localCache.get(timeZone);
  if (cached && cached.stamp === stamp) return cached.local;
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat("en-US", {
      timeZone,
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(timeZone, fmt);
  }
  let weekday = 0;
  let hour = 0;
  let minute = 0;
  for (const part of fmt.formatToParts(time)) {
    if (part.type === "weekday") weekday = WEEKDAY_INDEX[part.value] ?? 0;
    else if (part.type === "hour") hour = Number(part.value);
    else if (part.type === "minute") minute = Number(part.value);
  }
  const local = { weekday, minute: hour * 60 + minute };
  localCache.set(timeZone, { stamp, local });
  return local;
}

/** True when `time` falls inside the window in the window's time zone. */
export function inTimeWindow(window: TimeWindow, time: Date): boolean {
  const { weekday, minute } = localTime(time, window.timeZone);
  const from = minutesOf(window.from);
  const to = minutesOf(window.to);
  const dayAllowed = (d: number) => !window.days || window.days.includes(WEEKDAYS[d] as Weekday);
  if (from <= to) return minute >= from && minute < to && dayAllowed(weekday);
  // Spans midnight: the evening part belongs to today, the early-morning part to the day before.
  if (minute >= from) return dayAllowed(weekday);
  if (minute < to) return dayAllowed((weekday + 6) % 7);
  return false;
}
