import assert from "node:assert/strict";
import { test } from "node:test";
import { parseKek } from "../crypto/keys";
import { cryptoProfile } from "../crypto/profile";
import { type AclFacts, canonicalForm, canonicalJson, createAclIntegrity } from "./integrity";

const KEK = parseKek("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
const gm = createAclIntegrity(cryptoProfile("gm"), KEK);
const intl = createAclIntegrity(cryptoProfile("intl"), KEK);

const grant: AclFacts["scoped_admin"] = {
  id: "7d0c0f1e-5b7a-4b8e-9a55-2f1f7f5d0a01",
  tenantId: "5c1f6a9e-1111-4c4c-8a8a-000000000001",
  userId: "5c1f6a9e-2222-4c4c-8a8a-000000000002",
  dimensionId: "5c1f6a9e-3333-4c4c-8a8a-000000000003",
  departmentId: "5c1f6a9e-4444-4c4c-8a8a-000000000004",
  actions: ["view", "users.manage"],
  grantedBy: "5c1f6a9e-5555-4c4c-8a8a-000000000005",
  parentGrantId: null,
  expiresAt: new Date("2027-01-01T00:00:00.000Z"),
  revoked: false,
};

test("the MAC is HMAC-SM3 under gm and HMAC-SHA256 under intl, 32 bytes, keyed by the KEK", () => {
  assert.equal(gm.algorithm, "HMAC-SM3");
  assert.equal(intl.algorithm, "HMAC-SHA256");
  const a = gm.mac("scoped_admin", grant);
  assert.equal(a.length, 32);
  assert.notDeepEqual(a, intl.mac("scoped_admin", grant), "the profiles differ");
  const other = createAclIntegrity(cryptoProfile("gm"), Buffer.alloc(32, 7));
  assert.equal(other.verify("scoped_admin", grant, a), false, "another KEK does not verify it");
  assert.equal(gm.verify("scoped_admin", grant, a), true);
});

test("every field that decides access is covered; a NULL or truncated MAC never verifies", () => {
  const mac = gm.mac("scoped_admin", grant);
  const changes: Partial<AclFacts["scoped_admin"]>[] = [
    { id: "7d0c0f1e-5b7a-4b8e-9a55-2f1f7f5d0a02" },
    { tenantId: "5c1f6a9e-1111-4c4c-8a8a-000000000009" },
    { userId: "5c1f6a9e-2222-4c4c-8a8a-000000000009" },
    { departmentId: "5c1f6a9e-4444-4c4c-8a8a-000000000009" },
    { actions: ["view", "users.manage", "delegate"] },
    { expiresAt: null },
    { expiresAt: new Date("2030-01-01T00:00:00.000Z") },
    { revoked: true },
    { parentGrantId: grant.id },
  ];
  for (const change of changes) {
    assert.equal(gm.verify("scoped_admin", { ...grant, ...change }, mac), false, JSON.stringify(change));
  }
  assert.equal(gm.verify("scoped_admin", { ...grant, actions: ["users.manage", "view"] }, mac), true, "a set");
  assert.equal(gm.verify("scoped_admin", grant, null), false);
  assert.equal(gm.verify("scoped_admin", grant, mac.subarray(0, 16)), false);
});

test("a MAC of one kind does not verify for another, nor across fields that concatenate alike", () => {
  const role = { id: "a", tenantId: "b", userId: "c", role: "secadmin" };
  const mac = gm.mac("role_assignment", role);
  assert.equal(gm.verify("role_assignment", { ...role, userId: "cs", role: "ecadmin" }, mac), false);
  assert.notDeepEqual(
    canonicalForm("policy", { id: "a", tenantId: "b", publishedVersion: 1 }),
    canonicalForm("policy", { id: "a", tenantId: "b", publishedVersion: null }),
  );
  const client = { id: "a", tenantId: "b", secretHash: "c", scopes: ["authz:check"], revoked: false };
  assert.equal(gm.verify("api_client", client, gm.mac("role_assignment", role)), false);
  assert.equal(
    gm.verify("api_client", { ...client, scopes: ["authz:check", "org:read"] }, gm.mac("api_client", client)),
    false,
  );
});

test("policy documents are MACed in canonical JSON: key order does not matter, content does", () => {
  assert.equal(canonicalJson({ b: 1, a: [{ d: null, c: "x" }] }), '{"a":[{"c":"x","d":null}],"b":1}');
  const doc = { rules: [{ effect: "allow", actions: ["read"], resource: "Document" }] };
  const mac = gm.mac("policy_version", { policyId: "p", version: 1, document: doc });
  const reordered = { rules: [{ resource: "Document", actions: ["read"], effect: "allow" }] };
  assert.equal(gm.verify("policy_version", { policyId: "p", version: 1, document: reordered }, mac), true);
  const widened = { rules: [{ effect: "allow", actions: ["read", "download"], resource: "Document" }] };
  assert.equal(gm.verify("policy_version", { policyId: "p", version: 1, document: widened }, mac), false);
  assert.equal(gm.verify("policy_version", { policyId: "p", version: 2, document: doc }, mac), false);
});
