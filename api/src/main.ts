import { ConfigError, loadConfig } from "./config";
import { KeyError } from "./crypto/keys";
import { CryptoProfileMismatchError } from "./crypto/profile";
import { DatabaseUnreachableError } from "./db/connect";
import { DataDirLockedError } from "./db/embedded";
import { createLogger } from "./observability/logger";
import { type RunningServer, startServer } from "./server";

/** Process entry: config → database → migrations → app → listen; graceful shutdown on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    fail(err);
  }
  const logger = createLogger(config.logLevel);
  let running: RunningServer;
  try {
    running = await startServer(config, logger);
  } catch (err) {
    fail(err);
  }
  printBanner(running, config.databaseUrl === undefined);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    try {
      await running.close();
      logger.info("stopped cleanly");
      process.exit(0);
    } catch (err) {
      logger.error({ err }, "shutdown failed");
      process.exit(1);
    }
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

/** Known start-up failures get one clear line and exit 1; no stack dump for an operator's mistake. */
function fail(err: unknown): never {
  const known =
    err instanceof ConfigError ||
    err instanceof DatabaseUnreachableError ||
    err instanceof DataDirLockedError ||
    // A missing, malformed or wrong KEK, or data keys of the other crypto profile.
    err instanceof KeyError ||
    err instanceof CryptoProfileMismatchError;
  process.stderr.write(`天枢 Tianshu failed to start / 启动失败: ${known ? (err as Error).message : String(err)}\n`);
  if (!known && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  process.exit(1);
}

function printBanner(running: RunningServer, embedded: boolean): void {
  const lines = [
    "",
    `天枢 Tianshu is running at ${running.url}`,
    embedded
      ? `  database: embedded PostgreSQL (PGlite), data in ${running.database.location}`
      : `  database: ${running.database.location}`,
  ];
  const created = running.bootstrap.created;
  if (created.length > 0) {
    lines.push(
      "  First start: one account per admin role was created (三员: sysadmin / secadmin / auditadmin).",
      "  首次启动已创建三员账号；初始密码仅显示这一次，首次登录后必须修改：",
    );
    for (const c of created) {
      lines.push(
        `    ${c.username.padEnd(11)} ${c.generated ? c.password : "(password from TIANSHU_INIT_PASSWORD_*)"}`,
      );
    }
  } else {
    lines.push("  Sign in as sysadmin, secadmin or auditadmin / 使用三员账号登录。");
  }
  lines.push("");
  // Written to the terminal, not the JSON log: one-time passwords must not end up in log storage.
  process.stdout.write(`${lines.join("\n")}\n`);
}

void main();
