/** Platform webhooks. Verification and handling live in bots/ (wired by deps.ts); this only adapts HTTP. */
import { Hono } from "hono";
import { errorBody } from "../responses.ts";
import type { WebhookHandler, WebhookHandlers } from "../services.ts";

/** Mounted at /webhooks. `webhooks` is read per request: deps.ts fills it in once the bots start. */
export function createWebhookRoutes(webhooks: WebhookHandlers): Hono {
  const app = new Hono();
  const route = (path: string, pick: () => WebhookHandler | undefined, platform: string) =>
    app.post(path, async (c) => {
      const handler = pick();
      if (!handler)
        return c.json(errorBody("not_found", `${platform} is not configured on this server`), 404);
      const rawBody = new Uint8Array(await c.req.raw.arrayBuffer());
      const result = await handler({ rawBody, headers: c.req.raw.headers });
      for (const [name, value] of Object.entries(result.headers ?? {})) c.header(name, value);
      return c.json(result.body as object, result.status as 200);
    });
  route("/line", () => webhooks.line, "LINE");
  route("/discord", () => webhooks.discord, "Discord");
  return app;
}
