import { type Logger, pino } from "pino";

/** JSON logs; cookies and credentials are redacted before anything is written. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: "tianshu" },
    redact: {
      paths: [
        "req.headers.cookie",
        "req.headers.authorization",
        'res.headers["set-cookie"]',
        "*.password",
        "*.currentPassword",
        "*.newPassword",
      ],
      censor: "[redacted]",
    },
  });
}
