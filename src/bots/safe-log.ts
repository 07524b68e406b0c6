/** Logging that never prints a bot secret, even when a library puts one in an error. */
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";

// Interaction and webhook tokens travel in URL paths (/webhooks/<id>/<token>).
const WEBHOOK_PATH = /(\/webhooks\/\d+\/)[A-Za-z0-9_.-]+/g;

export function maskSecrets(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let masked = text.replace(WEBHOOK_PATH, "$1***");
  for (const secret of secrets) {
    if (secret && secret.length >= 4) masked = masked.split(secret).join("***");
  }
  return masked;
}

/** A logger that masks `secrets` before the app logger (which masks its own) sees the line. */
export function secretSafeLogger(logger: Logger, secrets: ReadonlyArray<string | undefined>): Logger {
  const mask = (message: string) => maskSecrets(message, secrets);
  return {
    debug: (message) => logger.debug(mask(message)),
    info: (message) => logger.info(mask(message)),
    warn: (message) => logger.warn(mask(message)),
    error: (message) => logger.error(mask(message)),
  };
}

/** An error's message, with its HTTP status when it has one; never its request (URLs carry tokens). */
export function describeError(error: unknown): string {
  const status = (error as { status?: unknown } | null)?.status;
  const message = errorMessage(error).split("\n")[0]!.slice(0, 300);
  return typeof status === "number" ? `HTTP ${status}: ${message}` : message;
}
