/** The Hono app: chat SSE, OpenAI-compatible API, conversations, health, admin pages and admin API. */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createAdminContext } from "../admin/context.ts";
import { createAdminPages } from "../admin/routes.tsx";
import type { AdminServices } from "../admin/services.ts";
import type { ChatEvent, ChatInput, ErrorEvent } from "../chat/index.ts";
import {
  AppError,
  type ErrorCode,
  errorCode,
  errorMessage,
  httpStatusOf,
  RateLimitedError,
} from "../errors.ts";
import type { Logger } from "../log.ts";
import { RateLimiter } from "../rate-limiter.ts";
import type { ConversationStore, TraceStore } from "../store/index.ts";
import { bearerToken, tokensMatch } from "./auth.ts";
import { questionRateLimit } from "./client-limits.ts";
import { registerAdminApi } from "./routes/admin-api.ts";
import { createLoginThrottle, registerAdminAccess } from "./routes/admin-auth.ts";
import { registerChatRoutes } from "./routes/chat.ts";
import { openAiErrorBody, RAW_INFERENCE_HEADER, registerOpenAiRoutes } from "./routes/openai.ts";
import { registerRelayRoutes } from "./routes/relay.ts";
import { registerWebhookRoutes } from "./routes/webhooks.ts";

export interface Readiness {
  status: "ok" | "degraded";
  reasons: string[];
  model: string;
  retrieval: "hybrid" | "fulltext";
}

/** A platform webhook, handled outside http/ (bots/ owns the platform logic; deps.ts wires it). */
export type WebhookHandler = (request: {
  rawBody: Uint8Array;
  headers: Headers;
}) => Promise<{ status: number; body: unknown; headers?: Record<string, string> }>;

export interface HttpServices {
  /** Optional webhook handlers: POST /webhooks/line, POST /webhooks/discord. */
  webhooks?: { line?: WebhookHandler; discord?: WebhookHandler };
  /** Enables raw inference on /v1/chat/completions for other TA instances (see routes/openai.ts). */
  inferenceToken?: string;
  /** Shared with the edge Worker; enables POST /internal/relay/:platform. */
  relaySecret?: string;
  chat(input: ChatInput): AsyncGenerator<ChatEvent>;
  traces: TraceStore;
  conversations: ConversationStore;
  readiness(): Readiness;
  modelName: string;
  adminToken: string;
  bodyMaxBytes: number;
  /**
   * Questions per client address on /api/chat and /v1/chat/completions (token bucket; perMinute 0
   * turns it off). Default: burst 10, 6 per minute.
   */
  questionRateLimit?: { burst: number; perMinute: number };
  /** Wrong admin tokens a client address may send in a row, then one a minute. Default 5. */
  adminLoginMaxFailures?: number;
  logger: Logger;
  /** Admin pages: sessions, pseudonyms, corpus management, next-token view (see AdminServices for defaults). */
  admin?: AdminServices;
}

export function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

/**
 * The message a client sees for an error. A 500 wraps internal detail (library messages, paths,
 * an upstream server's body), so clients get the code and a short text; the server log and the
 * trace keep the original. 4xx, 503 and 504 messages are written for users and pass through.
 */
export function publicErrorMessage(code: string, message: string): string {
  return httpStatusOf(code as ErrorCode) === 500 && code !== "cancelled" ? "internal error" : message;
}

/** An error event inside a stream, as a client may see it; a masked original goes to the log. */
export function publicErrorEvent(event: ErrorEvent, logger: Logger, route: string): ErrorEvent {
  const message = publicErrorMessage(event.code, event.message);
  if (message === event.message) return event;
  logger.error(`${route}: ${event.message}${event.traceId ? ` (trace ${event.traceId})` : ""}`);
  return { ...event, message };
}

export function createHttpApp(services: HttpServices): Hono {
  const app = new Hono();

  app.onError((error, c) => {
    const code = errorCode(error);
    const status = httpStatusOf(code);
    if (status >= 500) services.logger.error(`${c.req.method} ${c.req.path}: ${errorMessage(error)}`);
    if (code === "overloaded") c.header("Retry-After", "5");
    if (error instanceof RateLimitedError) c.header("Retry-After", String(error.retryAfterSeconds));
    const message = publicErrorMessage(code, errorMessage(error));
    // OpenAI clients read OpenAI's error shape; everything else gets this service's own.
    const body = c.req.path.startsWith("/v1/") ? openAiErrorBody(code, message) : errorBody(code, message);
    return c.json(body, status);
  });
  app.notFound((c) => c.json(errorBody("not_found", `no route for ${c.req.method} ${c.req.path}`), 404));

  const limitBody = bodyLimit({
    maxSize: services.bodyMaxBytes,
    onError: (c) =>
      c.json(
        errorBody("payload_too_large", `request body is over the ${services.bodyMaxBytes}-byte limit`),
        413,
      ),
  });
  app.use("/api/*", limitBody);
  app.use("/v1/*", limitBody);
  app.use("/webhooks/*", limitBody);
  app.use("/internal/*", limitBody);

  const questionLimit = services.questionRateLimit ?? { burst: 10, perMinute: 6 };
  if (questionLimit.perMinute > 0) {
    const limiter = new RateLimiter(questionLimit);
    const limitQuestions = questionRateLimit({
      take: (key) => limiter.take(key),
      relaySecret: services.relaySecret,
      exempt: (c) => {
        // Raw inference for other TA replicas: one address, many questions, already authorized.
        const token = bearerToken(c.req.header("authorization"));
        return Boolean(
          c.req.header(RAW_INFERENCE_HEADER) === "1" &&
            services.inferenceToken &&
            token &&
            tokensMatch(token, services.inferenceToken),
        );
      },
    });
    app.use("/api/chat", limitQuestions);
    app.use("/v1/chat/completions", limitQuestions);
  }

  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", (c) => {
    const readiness = services.readiness();
    return c.json(readiness, 200);
  });

  registerChatRoutes(app, services);
  registerWebhookRoutes(app, services);
  registerRelayRoutes(app, services);
  registerOpenAiRoutes(app, services);
  const admin = createAdminContext(services, services.admin);
  registerAdminAccess(
    app,
    admin,
    createLoginThrottle({ relaySecret: services.relaySecret, burst: services.adminLoginMaxFailures }),
  );
  registerAdminApi(app, services, admin);
  app.route(
    "/admin",
    createAdminPages(admin, (message) => services.logger.error(message)),
  );
  return app;
}

/** Parses a JSON object body, turning malformed input into a 400 with a clear message. */
export async function readJsonObject(request: Request): Promise<Record<string, unknown>> {
  const contentType = request.headers.get("content-type") ?? "";
  if (!contentType.toLowerCase().includes("application/json")) {
    throw new AppError("send the body as JSON with Content-Type: application/json", "invalid_json");
  }
  let text: string;
  try {
    const bytes = new Uint8Array(await request.arrayBuffer());
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new AppError("request body is not valid UTF-8", "invalid_json");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new AppError(`request body is not valid JSON: ${errorMessage(error)}`, "invalid_json");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new AppError("request body must be a JSON object", "invalid_json");
  }
  return parsed as Record<string, unknown>;
}

/**
 * Pulls the first event before any byte is sent, so refusals (queue full, bad input) still get a
 * proper HTTP status instead of an error inside a 200 stream.
 */
export async function startChat(
  events: AsyncGenerator<ChatEvent>,
): Promise<{ first: ChatEvent | undefined; events: AsyncGenerator<ChatEvent> }> {
  const first = await events.next();
  if (!first.done && first.value.type === "error" && first.value.code !== "cancelled") {
    // An error before anything was streamed becomes an HTTP error.
    const code = first.value.code as ConstructorParameters<typeof AppError>[1];
    throw new AppError(first.value.message, code);
  }
  return { first: first.done ? undefined : first.value, events };
}
