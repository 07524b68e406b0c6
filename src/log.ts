/** A small leveled logger for stderr. Known secrets are masked in every line it writes. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Values that must never be printed (tokens, secrets); replaced by "***". */
  secrets?: ReadonlyArray<string | undefined>;
  write?: (line: string) => void;
  /** Rewrites each message before it is written (e.g. platform ids to pseudonyms). Default: none. */
  redact?: (message: string) => string;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = ORDER[options.level ?? "info"];
  const secrets = (options.secrets ?? []).filter(
    (secret): secret is string => !!secret && secret.length >= 4,
  );
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const emit = (level: LogLevel, message: string) => {
    if (ORDER[level] < threshold) return;
    const text = options.redact ? options.redact(message) : message;
    let line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${text}`;
    for (const secret of secrets) line = line.split(secret).join("***");
    write(line);
  };
  return {
    debug: (message) => emit("debug", message),
    info: (message) => emit("info", message),
    warn: (message) => emit("warn", message),
    error: (message) => emit("error", message),
  };
}
