/**
 * POST /internal/relay/:platform — events the edge Worker verified and forwarded. Accepted only
 * with a valid, fresh HMAC under RELAY_SECRET over the timestamp, this platform and the body (and
 * each signature once), then handled exactly like a direct webhook: the original platform headers
 * travel with the body, so the platform signature is checked again here too.
 *
 * The body limit is the app's BODY_MAX_BYTES, as for a direct webhook; the edge refuses larger
 * webhooks itself (ORIGIN_BODY_MAX_BYTES in wrangler.toml), before it acknowledges them.
 */
import { Hono } from "hono";
import { RELAY_MAX_AGE_SECONDS, verifyRelay } from "../../relay-signature.ts";
import { SeenEvents } from "../../seen-events.ts";
import { errorBody } from "../responses.ts";
import type { WebhookHandlers } from "../services.ts";

/** Mounted at /internal. */
export function createRelayRoutes(deps: { relaySecret?: string; webhooks: WebhookHandlers }): Hono {
  const app = new Hono();
  // Keyed on the signature's decoded bytes (RelayCheck.replayKey), never on the header's spelling;
  // remembered past the freshness window, after which verifyRelay refuses the signature anyway.
  const seen = new SeenEvents({ ttlMs: 2 * RELAY_MAX_AGE_SECONDS * 1000 });

  app.post("/relay/:platform", async (c) => {
    if (!deps.relaySecret)
      return c.json(errorBody("not_found", "relaying is not configured (RELAY_SECRET)"), 404);
    const platform = c.req.param("platform");
    const handler =
      platform === "line" ? deps.webhooks.line : platform === "discord" ? deps.webhooks.discord : undefined;
    const rawBody = new Uint8Array(await c.req.raw.arrayBuffer());
    const check = await verifyRelay(deps.relaySecret, {
      timestamp: c.req.header("x-relay-timestamp") ?? null,
      signature: c.req.header("x-relay-signature") ?? null,
      platform,
      body: rawBody,
    });
    if (!check.ok) return c.json(errorBody("unauthorized", check.reason), 401);
    if (!seen.firstTime(check.replayKey)) return c.json(errorBody("unauthorized", "relay replayed"), 401);
    if (!handler) return c.json(errorBody("not_found", `${platform} is not configured on this server`), 404);
    const result = await handler({ rawBody, headers: c.req.raw.headers });
    return c.json(result.body as object, result.status as 200, result.headers);
  });
  return app;
}
