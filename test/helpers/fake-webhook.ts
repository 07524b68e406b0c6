/** A fake Discord channel webhook on 127.0.0.1: records posts; can answer 429 / 5xx first. */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface WebhookPost {
  at: number;
  path: string;
  body: { content?: string; allowed_mentions?: unknown };
}

export interface FakeWebhook {
  /** The URL to set as STAFF_ALERT_WEBHOOK_URL (path like Discord's, with a secret token). */
  url: string;
  token: string;
  posts: WebhookPost[];
  /** Answers for the next requests, in order (e.g. [429, {"retry-after": "0.2"}]); then 204. */
  script: [status: number, headers?: Record<string, string>][];
  /** Every request, the refused ones included. */
  attempts: number;
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeWebhook(): Promise<FakeWebhook> {
  const token = "webhook-secret-token-abcdef0123456789";
  const fake: FakeWebhook = {
    url: "",
    token,
    posts: [],
    script: [],
    attempts: 0,
    async waitFor(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (fake.posts.length < count) {
        if (Date.now() > deadline)
          throw new Error(`only ${fake.posts.length} of ${count} webhook posts arrived`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      fake.attempts++;
      const [status, headers] = fake.script.shift() ?? [204];
      if (status < 300)
        fake.posts.push({
          at: Date.now(),
          path: request.url ?? "",
          body: JSON.parse(Buffer.concat(chunks).toString("utf8")),
        });
      response.writeHead(status, { "content-type": "application/json", ...headers });
      response.end(status === 204 ? undefined : JSON.stringify(status === 429 ? { retry_after: 0.1 } : {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  fake.url = `http://127.0.0.1:${port}/api/webhooks/1234567890/${token}`;
  return fake;
}
