/** Error bodies, public error messages and the JSON shape of passages and events, shared by every route. */
import type { ErrorHandler } from "hono";
import type { ChatEvent, ErrorEvent } from "../chat/index.ts";
import {
  AppError,
  type ErrorCode,
  errorCode,
  errorMessage,
  httpStatusOf,
  RateLimitedError,
} from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Passage } from "../types.ts";

export function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

/** OpenAI's error shape ({message, type, param, code}); `code` is this service's error code. */
export function openAiErrorBody(code: ErrorCode, message: string) {
  const status = httpStatusOf(code);
  const type =
    status === 401 ? "authentication_error" : status >= 500 ? "server_error" : "invalid_request_error";
  return { error: { message, type, param: null, code } };
}

/**
 * What a client may read of an error: 500-class messages are internal, and a model that is unavailable
 * may name a backend address or a file path; traces and logs keep the original.
 */
export function publicErrorMessage(code: ErrorCode, message: string): string {
  if (code === "model_unavailable") return "the model is not available right now; try again in a minute";
  return httpStatusOf(code) === 500 && code !== "cancelled" ? "internal error" : message;
}

/** An error event inside a stream, as a client may see it; a masked original goes to the log. */
export function publicErrorEvent(event: ErrorEvent, logger: Logger, route: string): ErrorEvent {
  const message = publicErrorMessage(event.code, event.message);
  if (message === event.message) return event;
  logger.error(`${route}: ${event.message}${event.traceId ? ` (trace ${event.traceId})` : ""}`);
  return { ...event, message };
}

/** The first line of an AppError's cause (e.g. LanceDB's reason a store call failed), for the log. */
function causeOf(error: unknown): string {
  const cause = error instanceof AppError ? error.cause : undefined;
  return cause === undefined ? "" : ` (${errorMessage(cause).split("\n")[0]!.slice(0, 300)})`;
}

/**
 * The onError of an app or sub-app: status from the error code, Retry-After for busy and rate-limited
 * refusals, 5xx logged and masked, the body in this service's shape or OpenAI's.
 */
export function errorResponder(logger: Logger, shape: "service" | "openai"): ErrorHandler {
  return (error, c) => {
    const code = errorCode(error);
    const status = httpStatusOf(code);
    if (status >= 500) logger.error(`${c.req.method} ${c.req.path}: ${errorMessage(error)}${causeOf(error)}`);
    if (code === "overloaded" || code === "store_unavailable") c.header("Retry-After", "5");
    if (error instanceof RateLimitedError) c.header("Retry-After", String(error.retryAfterSeconds));
    const message = publicErrorMessage(code, errorMessage(error));
    return c.json(shape === "openai" ? openAiErrorBody(code, message) : errorBody(code, message), status);
  };
}

export function passageJson(passage: Passage) {
  return {
    rank: passage.rank,
    score: passage.score,
    text: passage.chunk.text,
    source: passage.chunk.documentPath,
    title: passage.chunk.title,
    location: passage.chunk.location,
    link: passage.chunk.link,
    retrievers: passage.retrievers,
  };
}

/** The JSON form of an event as sent on the wire (passages flattened for clients). */
export function eventJson(event: ChatEvent): Record<string, unknown> {
  if (event.type === "retrieval") return { ...event, passages: event.passages.map(passageJson) };
  return { ...event };
}
