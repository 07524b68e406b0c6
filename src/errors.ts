/** Errors with a code and a message a user can act on. This file imports nothing. */

export type ErrorCode =
  | "config_invalid"
  | "bad_request"
  | "payload_too_large"
  | "not_found"
  | "unauthorized"
  | "overloaded"
  | "model_unavailable"
  | "model_invalid"
  | "embedder_unavailable"
  | "ingest_failed"
  | "parse_failed"
  | "store_failed"
  | "timeout"
  | "cancelled"
  | "generation_failed"
  | "internal";

export class AppError extends Error {
  readonly code: ErrorCode;
  override readonly cause?: unknown;

  constructor(message: string, code: ErrorCode = "internal", cause?: unknown) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.cause = cause;
  }
}

export class ConfigError extends AppError {
  constructor(message: string) {
    super(message, "config_invalid");
    this.name = "ConfigError";
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function errorCode(error: unknown): ErrorCode {
  return error instanceof AppError ? error.code : "internal";
}
