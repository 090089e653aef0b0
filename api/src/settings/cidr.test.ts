import assert from "node:assert/strict";
import { test } from "node:test";
import { allowListOf, normaliseIp, parseCidr } from "./cidr";

test("CIDR parsing: IPv4 and IPv6 ranges and bare addresses; garbage refused", () => {
  assert.deepEqual(parseCidr("10.0.0.0/8"), { address: "10.0.0.0", prefix: 8, family: "ipv4" });
  assert.deepEqual(parseCidr("192.0.2.7"), { address: "192.0.2.7", prefix: 32, family: "ipv4" });
  assert.deepEqual(parseCidr("2001:db8::/32"), { address: "2001:db8::", prefix: 32, family: "ipv6" });
  for (const bad of [
    "",
    "10.0.0.0/33",
    "10.0.0/8",
    "300.1.1.1/8",
    "10.0.0.0/-1",
    "10.0.0.0/8/8",
    "::/129",
    "x/8",
    "10.0.0.0/ 8",
  ]) {
    assert.equal(parseCidr(bad), null, bad);
  }
});

test("allow-list matching, with IPv4 clients seen as IPv4-mapped IPv6", () => {
  const list = allowListOf(["10.0.0.0/8", "192.0.2.7", "2001:db8::/32"]);
  assert.equal(list.allows("10.200.3.4"), true);
  assert.equal(list.allows("::ffff:10.1.1.1"), true);
  assert.equal(list.allows("192.0.2.7"), true);
  assert.equal(list.allows("192.0.2.8"), false);
  assert.equal(list.allows("2001:db8:1::5"), true);
  assert.equal(list.allows("2001:db9::1"), false);
  assert.equal(list.allows("11.0.0.1"), false);
  assert.equal(list.allows(""), false, "an unknown address is outside");
  assert.equal(allowListOf([]).allows("203.0.113.9"), true, "an empty list allows anywhere");
  assert.equal(normaliseIp("::ffff:127.0.0.1"), "127.0.0.1");
});
