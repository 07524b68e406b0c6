/**
 * The Hono app: chat SSE (/api), the OpenAI-compatible API (/v1), webhooks, the relay, health, admin
 * pages and admin API. Each part is a sub-app built from only the services it uses.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createAdminContext } from "../admin/context.ts";
import { createAdminPages } from "../admin/routes.tsx";
import { RateLimiter } from "../rate-limiter.ts";
import { questionRateLimit } from "./client-limits.ts";
import { errorBody, errorResponder } from "./responses.ts";
import { createAdminApi } from "./routes/admin-api.ts";
import { createLoginThrottle, registerAdminAccess } from "./routes/admin-auth.ts";
import { createAdminStatsApi } from "./routes/admin-stats.ts";
import { createChatRoutes } from "./routes/chat.ts";
import { createOpenAiRoutes, isAuthorizedRawInference } from "./routes/openai.ts";
import { createRelayRoutes } from "./routes/relay.ts";
import { createWebhookRoutes } from "./routes/webhooks.ts";
import type { HttpServices } from "./services.ts";
import { registerStaffRoutes } from "./staff-routes.ts";

export type { HttpServices, Readiness, WebhookHandler } from "./services.ts";

export function createHttpApp(services: HttpServices): Hono {
  const app = new Hono();
  app.onError(errorResponder(services.logger, "service"));
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

  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    const readiness = await services.readiness();
    // A load balancer takes a replica that cannot reach the store out of rotation.
    return c.json(readiness, readiness.status === "unavailable" ? 503 : 200);
  });

  const limitQuestions = createQuestionLimit(services);
  const webhooks = services.webhooks ?? {};
  app.route(
    "/api",
    createChatRoutes({
      chat: services.chat,
      conversations: services.conversations,
      logger: services.logger,
      limitQuestions,
    }),
  );
  app.route(
    "/v1",
    createOpenAiRoutes({
      chat: services.chat,
      modelName: services.modelName,
      inferenceToken: services.inferenceToken,
      logger: services.logger,
      limitQuestions,
    }),
  );
  app.route("/webhooks", createWebhookRoutes(webhooks));
  app.route("/internal", createRelayRoutes({ relaySecret: services.relaySecret, webhooks }));

  const admin = createAdminContext(services, services.admin);
  registerAdminAccess(
    app,
    admin,
    createLoginThrottle({ relaySecret: services.relaySecret, burst: services.adminLoginMaxFailures }),
  );
  // Before the trace routes: /traces/export must not be read as a trace id.
  app.route("/api/admin", createAdminStatsApi(admin));
  app.route("/api/admin", createAdminApi(services.traces, admin));
  if (services.staff) registerStaffRoutes(app, services.staff, services.traces, admin);
  app.route(
    "/admin",
    createAdminPages(admin, (message) => services.logger.error(message)),
  );
  return app;
}

/** The per-address question limit of /api/chat and /v1/chat/completions, or none when turned off. */
function createQuestionLimit(services: HttpServices) {
  const limit = services.questionRateLimit ?? { burst: 10, perMinute: 6 };
  if (limit.perMinute <= 0) return undefined;
  const limiter = new RateLimiter(limit);
  return questionRateLimit({
    take: (key) => limiter.take(key),
    relaySecret: services.relaySecret,
    // Raw inference for other TA replicas: one address, many questions, already authorized.
    exempt: (c) => isAuthorizedRawInference(c.req.raw.headers, services.inferenceToken),
  });
}
