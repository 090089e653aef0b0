import type { CookieOptions, Response } from "express";
import type { Config } from "../config";
import { SESSION_COOKIE } from "../http/openapi";

/** The session cookie's attributes: HttpOnly and SameSite=Strict, so scripts and other sites never see it. */
export function sessionCookieOptions(config: Pick<Config, "session">, maxAgeMs?: number): CookieOptions {
  return {
    httpOnly: true,
    sameSite: "strict",
    secure: config.session.cookieSecure,
    path: "/",
    ...(maxAgeMs ? { maxAge: maxAgeMs } : {}),
  };
}

/** A session token on its way to the browser, and how long the cookie may live (the session's absolute end). */
export interface IssuedToken {
  token: string;
  maxAgeMs: number;
}

export function setSessionCookie(res: Response, config: Pick<Config, "session">, issued: IssuedToken): void {
  res.cookie(SESSION_COOKIE, issued.token, sessionCookieOptions(config, issued.maxAgeMs));
}

export function clearSessionCookie(res: Response, config: Pick<Config, "session">): void {
  res.clearCookie(SESSION_COOKIE, sessionCookieOptions(config));
}
