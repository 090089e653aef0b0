import assert from "node:assert/strict";
import { test } from "node:test";
import { cidrMatcher, inTimeWindow, parseCidr } from "./environment";

test("CIDRs: IPv4, IPv6, single hosts; host bits and bad prefixes refused", () => {
  assert.deepEqual(parseCidr("10.0.0.0/8"), { address: "10.0.0.0", prefix: 8, family: "ipv4" });
  assert.deepEqual(parseCidr("192.168.1.7"), { address: "192.168.1.7", prefix: 32, family: "ipv4" });
  assert.equal(typeof parseCidr("2001:db8::/32"), "object");
  assert.match(String(parseCidr("10.1.0.0/8")), /host bits/);
  assert.match(String(parseCidr("2001:db8::1/32")), /host bits/);
  assert.match(String(parseCidr("10.0.0.0/33")), /longer than 32/);
  assert.match(String(parseCidr("10.0.0/8")), /not an IPv4 or IPv6/);
  const m = cidrMatcher(["10.0.0.0/8", "2001:db8::/32"]);
  assert.equal(m("10.9.8.7"), true);
  assert.equal(m("11.0.0.1"), false);
  assert.equal(m("2001:db8::5"), true);
  assert.equal(m("::ffff:10.1.1.1"), true, "an IPv4-mapped client address matches the IPv4 range");
  assert.equal(m("garbage"), false);
});

test("time windows: in the window's own time zone, on its days, across midnight", () => {
  const office = {
    from: "09:00",
    to: "18:00",
    timeZone: "Asia/Shanghai",
    days: ["mon", "tue", "wed", "thu", "fri"] as const,
  };
  // 2026-03-02 is a Monday; 01:30Z is 09:30 in Shanghai.
  assert.equal(inTimeWindow({ ...office, days: [...office.days] }, new Date("2026-03-02T01:30:00Z")), true);
  assert.equal(inTimeWindow({ ...office, days: [...office.days] }, new Date("2026-03-02T00:59:00Z")), false);
  assert.equal(
    inTimeWindow({ ...office, days: [...office.days] }, new Date("2026-03-02T10:00:00Z")),
    false,
    "18:00 is excluded",
  );
  assert.equal(
    inTimeWindow({ ...office, days: [...office.days] }, new Date("2026-03-07T02:00:00Z")),
    false,
    "Saturday",
  );
  const night = { from: "22:00", to: "06:00", timeZone: "UTC", days: ["fri" as const] };
  assert.equal(inTimeWindow(night, new Date("2026-03-06T23:00:00Z")), true, "Friday 23:00");
  assert.equal(inTimeWindow(night, new Date("2026-03-07T05:00:00Z")), true, "Saturday 05:00 belongs to Friday night");
  assert.equal(inTimeWindow(night, new Date("2026-03-08T05:00:00Z")), false, "Sunday 05:00 belongs to Saturday night");
  assert.equal(inTimeWindow({ from: "00:00", to: "24:00", timeZone: "UTC" }, new Date("2026-03-08T23:59:00Z")), true);
});
