/**
 * The edge relay: verifies LINE and Discord webhooks where they arrive, answers within the
 * platforms' deadlines, and forwards the events to the origin signed with RELAY_SECRET; proxies
 * /api/* and /v1/* to the origin with streaming intact. Imports Hono and WebCrypto only.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { handleDiscordInteraction } from "./discord-route.ts";
import { type EdgeEnv, errorBody, originBase, webhookMaxBytes } from "./env.ts";
import { relayToOrigin } from "./forward.ts";
import { verifyLineSignature } from "./line.ts";
import { proxyToOrigin } from "./proxy.ts";

export type EdgeApp = Hono<{ Bindings: EdgeEnv }>;

export function createEdgeApp(): EdgeApp {
  const app: EdgeApp = new Hono<{ Bindings: EdgeEnv }>();

  app.onError((error, c) => {
    console.error(
      `edge: ${c.req.method} ${c.req.path}: ${error instanceof Error ? error.stack : String(error)}`,
    );
    return c.json(errorBody("internal", "internal error"), 500);
  });
  app.notFound((c) => c.json(errorBody("not_found", `no route for ${c.req.method} ${c.req.path}`), 404));

  // Webhooks are read whole (to verify them) and may be answered before the relay reaches the
  // origin, so the edge takes no more than the origin's relay route does (its BODY_MAX_BYTES): a
  // larger body is refused here with 413, never acknowledged with 200 and then dropped. Mirroring
  // the origin's limit (rather than raising the origin's relay route to a larger edge limit) keeps
  // one limit for webhooks, direct or relayed, and no larger unauthenticated reads at the origin.
  app.use("/webhooks/*", (c, next) => {
    const maxSize = webhookMaxBytes(c.env);
    return bodyLimit({
      maxSize,
      onError: (c) =>
        c.json(errorBody("payload_too_large", `webhook body is over the ${maxSize}-byte limit`), 413),
    })(c, next);
  });

  // Relaying needs both the origin and the shared secret; say which one is missing.
  app.use("/webhooks/*", async (c, next) => {
    if (!originBase(c.env)) return c.json(errorBody("not_configured", "ORIGIN_URL is not set"), 503);
    if (!c.env.RELAY_SECRET) return c.json(errorBody("not_configured", "RELAY_SECRET is not set"), 503);
    await next();
  });

  app.post("/webhooks/line", async (c) => {
    const secret = c.env.LINE_CHANNEL_SECRET;
    if (!secret) return c.json(errorBody("not_found", "LINE is not configured on this edge"), 404);
    const rawBody = new Uint8Array(await c.req.arrayBuffer());
    if (!(await verifyLineSignature(secret, c.req.header("x-line-signature"), rawBody))) {
      return c.json(errorBody("unauthorized", "invalid X-Line-Signature"), 401);
    }
    const target = { originUrl: originBase(c.env)!, relaySecret: c.env.RELAY_SECRET! };
    // A copy: the relay (and its retry) runs after the response is sent.
    const headers = new Headers(c.req.raw.headers);
    c.executionCtx.waitUntil(
      relayToOrigin(target, "line", rawBody, headers)
        .then(async (response) => {
          if (!response.ok) {
            console.error(`edge: origin refused a LINE event: ${response.status} ${await response.text()}`);
          } else await response.body?.cancel();
        })
        .catch((error: unknown) => console.error(`edge: LINE event not relayed: ${String(error)}`)),
    );
    return c.json({});
  });

  app.post("/webhooks/discord", handleDiscordInteraction);

  const proxy = async (c: { env: EdgeEnv; req: { raw: Request } }) => {
    const origin = originBase(c.env);
    if (!origin) return Response.json(errorBody("not_configured", "ORIGIN_URL is not set"), { status: 503 });
    return proxyToOrigin(origin, c.req.raw, c.env.RELAY_SECRET);
  };
  app.all("/api/*", proxy);
  app.all("/v1/*", proxy);
  app.get("/healthz", proxy);
  app.get("/readyz", proxy);

  return app;
}
