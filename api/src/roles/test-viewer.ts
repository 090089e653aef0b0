import supertest from "supertest";
import { NEW_PASSWORD, type TestApp } from "../../../test/support/app";
import { newSm2Key, type Sm2Key, signChallenge } from "../../../test/support/server-process";

export type Agent = ReturnType<typeof supertest.agent>;

export interface SignedInViewer {
  agent: Agent;
  userId: string;
  username: string;
  key: Sm2Key;
}

/**
 * Test fixture through the real API: sysadmin creates an account, secadmin gives it the viewer
 * role, and the person signs in (SM2 second factor enrolled, one-time password changed).
 */
export async function createViewer(
  app: TestApp,
  username: string,
  opts: { displayName?: string; sys?: Agent; sec?: Agent } = {},
): Promise<SignedInViewer> {
  // Reuse the caller's admin agents: each new sign-in counts against the concurrent-session limit.
  const sys = opts.sys ?? (await app.signIn("sysadmin"));
  const displayName = opts.displayName ?? "李领导";
  const created = await sys.post("/api/v1/users").send({ username, displayName });
  if (created.status !== 201) throw new Error(`create ${username}: ${created.status} ${created.text}`);
  const userId = created.body.user.id as string;
  const sec = opts.sec ?? (await app.signIn("secadmin"));
  const assigned = await sec.post("/api/v1/viewers").send({ userId });
  if (assigned.status !== 201) throw new Error(`assign viewer ${username}: ${assigned.status} ${assigned.text}`);
  const key = newSm2Key();
  const agent = await signInViewer(app, username, created.body.oneTimePassword as string, key);
  const changed = await agent
    .post("/api/v1/auth/password")
    .send({ currentPassword: created.body.oneTimePassword, newPassword: NEW_PASSWORD });
  if (changed.status !== 204) throw new Error(`password change ${username}: ${changed.status} ${changed.text}`);
  return { agent, userId, username, key };
}

/** Signs in with the password and the SM2 key (enrolling it when the sign-in asks to). */
export async function signInViewer(app: TestApp, username: string, password: string, key: Sm2Key): Promise<Agent> {
  const agent = supertest.agent(app.app);
  const login = await agent.post("/api/v1/auth/login").send({ username, password });
  if (login.status !== 200) throw new Error(`sign-in ${username}: ${login.status} ${login.text}`);
  const next = login.body.next as string | null;
  if (next !== "mfa-enroll" && next !== "mfa-verify") return agent;
  const challenge = await agent.post("/api/v1/auth/mfa/sm2/challenge");
  const { challengeId, nonce } = challenge.body as { challengeId: string; nonce: string };
  const signature = signChallenge(nonce, key);
  const res =
    next === "mfa-enroll"
      ? await agent
          .post("/api/v1/auth/mfa/sm2/register")
          .send({ publicKey: key.publicKey, label: "test", challengeId, signature })
      : await agent.post("/api/v1/auth/mfa/sm2/verify").send({ challengeId, signature });
  if (res.status !== 201 && res.status !== 204) throw new Error(`second factor ${username}: ${res.status} ${res.text}`);
  return agent;
}
