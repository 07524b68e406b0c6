/** Platform webhooks. Verification and handling live in bots/ (wired by deps.ts); this only adapts HTTP. */
import type { Hono } from "hono";
import type { HttpServices, WebhookHandler } from "../app.ts";
import { errorBody } from "../app.ts";

export function registerWebhookRoutes(app: Hono, services: HttpServices): void {
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
  route("/webhooks/line", () => services.webhooks?.line, "LINE");
  route("/webhooks/discord", () => services.webhooks?.discord, "Discord");
}
