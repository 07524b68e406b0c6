/** Errors with a code and a message a user can act on. This file imports nothing. */

export type ErrorCode =
  | "config_invalid"
  | "bad_request"
  | "invalid_json"
  | "invalid_message"
  | "message_too_long"
  | "invalid_sampling"
  | "payload_too_large"
  | "not_found"
  | "conflict"
  | "unauthorized"
  | "overloaded"
  | "rate_limited"
  | "model_unavailable"
  | "model_invalid"
  | "embedder_unavailable"
  | "ingest_failed"
  | "parse_failed"
  | "store_failed"
  | "store_unavailable"
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

/** Too many requests from one client: answered 429 with Retry-After. */
export class RateLimitedError extends AppError {
  readonly retryAfterSeconds: number;

  constructor(message: string, retryAfterSeconds: number) {
    super(message, "rate_limited");
    this.name = "RateLimitedError";
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export class ConfigError extends AppError {
  constructor(message: string) {
    super(message, "config_invalid");
    this.name = "ConfigError";
  }
}

/** HTTP status for an error code; anything unknown is a 500. */
export function httpStatusOf(code: ErrorCode): 400 | 401 | 404 | 409 | 413 | 429 | 500 | 503 | 504 {
  switch (code) {
    case "bad_request":
    case "invalid_json":
    case "invalid_message":
    case "message_too_long":
    case "invalid_sampling":
    case "parse_failed":
      return 400;
    case "unauthorized":
      return 401;
    case "not_found":
      return 404;
    case "conflict":
      return 409;
    case "payload_too_large":
      return 413;
    case "rate_limited":
      return 429;
    case "overloaded":
    case "model_unavailable":
    case "store_unavailable":
      return 503;
    case "timeout":
      return 504;
    default:
      return 500;
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function errorCode(error: unknown): ErrorCode {
  return error instanceof AppError ? error.code : "internal";
}
