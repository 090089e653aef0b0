import assert from "node:assert/strict";
import { test } from "node:test";
import { landingRoute, nextStepOf, STEP_ROUTES, stepOfProblem } from "./steps";

test("the server's next step is followed as sent", () => {
  assert.equal(nextStepOf({ next: "mfa-enroll", mustChangePassword: true }), "mfa-enroll");
  assert.equal(nextStepOf({ next: "mfa-verify", mustChangePassword: false }), "mfa-verify");
  assert.equal(nextStepOf({ next: "change-password", mustChangePassword: true }), "change-password");
  assert.equal(nextStepOf({ next: null, mustChangePassword: false }), null);
});

test("a server without `next` owes only the password change", () => {
  assert.equal(nextStepOf({ mustChangePassword: true }), "change-password");
  assert.equal(nextStepOf({ mustChangePassword: false }), null);
});

test("an unknown step keeps the workspace closed", () => {
  assert.equal(nextStepOf({ next: "webauthn", mustChangePassword: false }), "mfa-verify");
  assert.equal(nextStepOf({ next: 42, mustChangePassword: false }), "mfa-verify");
});

test("error codes name the owed step", () => {
  assert.equal(stepOfProblem("MFA_REQUIRED"), "mfa-verify");
  assert.equal(stepOfProblem("PASSWORD_CHANGE_REQUIRED"), "change-password");
  assert.equal(stepOfProblem("FORBIDDEN"), undefined);
  assert.equal(stepOfProblem(undefined), undefined);
});

test("landing: the owed step first, else the requested same-origin path", () => {
  assert.equal(landingRoute("mfa-enroll", "/system/users"), STEP_ROUTES["mfa-enroll"]);
  assert.equal(landingRoute(null, "/system/users"), "/system/users");
  assert.equal(landingRoute(null, "//evil.example/x"), "/");
  assert.equal(landingRoute(null, "https://evil.example/"), "/");
  assert.equal(landingRoute(null, null), "/");
});
