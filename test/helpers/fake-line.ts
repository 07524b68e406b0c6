/**
 * A fake LINE Messaging API on 127.0.0.1 (reply, push, loading animation, bot info) and helpers
 * to send signed webhooks. Reply tokens work once, like LINE's.
 */
import { createHmac, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface LineRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown> | null;
  at: number;
  /** The status the fake answered. */
  status?: number;
}

/** A scripted answer: status, JSON body and optional response headers (e.g. Retry-After). */
export type LineResponse = [status: number, body: unknown, headers?: Record<string, string>];

export interface FakeLine {
  baseUrl: string;
  requests: LineRequest[];
  botUserId: string;
  /** GET /v2/bot/info answers 401 this many more times (a revoked token, then fixed). */
  failBotInfo: number;
  /** Overrides the reply endpoint's answer (return undefined for the normal behaviour). */
  replyResponder?: (body: Record<string, unknown>) => LineResponse | undefined;
  /** Overrides the push endpoint's answer (return undefined for the normal behaviour). */
  pushResponder?: (body: Record<string, unknown>) => LineResponse | undefined;
  /** Pushes LINE accepted (200); a repeated X-Line-Retry-Key after success gets 409, as LINE does. */
  deliveredPushes(): LineRequest[];
  /** Replies LINE accepted (200): what the student saw by reply. */
  deliveredReplies(): LineRequest[];
  replies(): LineRequest[];
  pushes(): LineRequest[];
  waitUntil(condition: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeLine(): Promise<FakeLine> {
  const requests: LineRequest[] = [];
  const usedTokens = new Set<string>();
  const sent = () => ({ sentMessages: [{ id: randomUUID(), quoteToken: randomUUID() }] });

  const acceptedRetryKeys = new Set<string>();
  const delivered: LineRequest[] = [];
  const route = (
    method: string,
    path: string,
    body: Record<string, unknown>,
    request?: LineRequest,
  ): LineResponse => {
    if (method === "GET" && path === "/v2/bot/info") {
      if (fake.failBotInfo > 0) {
        fake.failBotInfo--;
        return [
          401,
          {
            message:
              "Authentication failed. Confirm that the access token in the authorization header is valid.",
          },
        ];
      }
      return [
        200,
        {
          userId: fake.botUserId,
          basicId: "@ta",
          displayName: "課程助教",
          chatMode: "bot",
          markAsReadMode: "auto",
        },
      ];
    }
    if (method === "POST" && path === "/v2/bot/message/reply") {
      const override = fake.replyResponder?.(body);
      if (override) return override;
      const token = String(body.replyToken);
      if (usedTokens.has(token)) return [400, { message: "Invalid reply token" }];
      usedTokens.add(token);
      return [200, sent()];
    }
    if (method === "POST" && path === "/v2/bot/message/push") {
      const override = fake.pushResponder?.(body);
      if (override) return override;
      const retryKey = String(request?.headers["x-line-retry-key"] ?? "");
      if (retryKey && acceptedRetryKeys.has(retryKey))
        return [409, { message: "The retry key is already accepted" }];
      if (retryKey) acceptedRetryKeys.add(retryKey);
      if (request) delivered.push(request);
      return [200, sent()];
    }
    if (method === "POST" && path === "/v2/bot/chat/loading/start") return [202, {}];
    return [404, { message: `fake LINE has no route ${method} ${path}` }];
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const path = new URL(request.url ?? "/", "http://127.0.0.1").pathname;
      const text = Buffer.concat(chunks).toString("utf8");
      const body = text ? (JSON.parse(text) as Record<string, unknown>) : null;
      const recorded: LineRequest = {
        method: request.method ?? "GET",
        path,
        headers: request.headers,
        body,
        at: Date.now(),
      };
      requests.push(recorded);
      const [status, payload, headers] = route(request.method ?? "GET", path, body ?? {}, recorded);
      recorded.status = status;
      response
        .writeHead(status, { "content-type": "application/json", ...headers })
        .end(JSON.stringify(payload));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  const fake: FakeLine = {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    botUserId: "Ubot0000000000000000000000000000",
    failBotInfo: 0,
    replies: () => requests.filter((request) => request.path === "/v2/bot/message/reply"),
    pushes: () => requests.filter((request) => request.path === "/v2/bot/message/push"),
    deliveredPushes: () => [...delivered],
    deliveredReplies: () =>
      requests.filter((request) => request.path === "/v2/bot/message/reply" && request.status === 200),
    async waitUntil(condition, timeoutMs = 15_000, what = "condition") {
      const deadline = Date.now() + timeoutMs;
      while (!condition()) {
        if (Date.now() > deadline) {
          const recent = requests.slice(-6).map((request) => `${request.method} ${request.path}`);
          throw new Error(`fake LINE: timed out waiting for ${what}; last requests: ${recent.join(", ")}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

/** Signs a webhook body the way LINE does. */
export function lineSignature(body: string, channelSecret: string): string {
  return createHmac("sha256", channelSecret).update(body).digest("base64");
}

let eventCounter = 0;

/** A text message event; `source` defaults to a 1:1 chat. */
export function lineTextEvent(
  text: string,
  options: {
    userId?: string;
    groupId?: string;
    webhookEventId?: string;
    replyToken?: string;
    mentionSelf?: { index: number; length: number };
  } = {},
) {
  eventCounter++;
  const userId = options.userId ?? "Ustudent000000000000000000000001";
  return {
    type: "message",
    mode: "active",
    timestamp: Date.now(),
    webhookEventId: options.webhookEventId ?? `01HEVENT${eventCounter}${randomUUID().slice(0, 8)}`,
    deliveryContext: { isRedelivery: false },
    replyToken: options.replyToken ?? randomUUID(),
    source: options.groupId ? { type: "group", groupId: options.groupId, userId } : { type: "user", userId },
    message: {
      type: "text",
      id: String(eventCounter),
      quoteToken: `quote-${eventCounter}`,
      text,
      ...(options.mentionSelf
        ? {
            mention: { mentionees: [{ type: "user", isSelf: true, userId: "Ubot", ...options.mentionSelf }] },
          }
        : {}),
    },
  };
}

/** A postback (a tapped 👍 / 👎 quick reply); `groupId` makes it come from a group chat. */
export function linePostbackEvent(
  data: string,
  userId = "Ustudent000000000000000000000001",
  groupId?: string,
) {
  eventCounter++;
  return {
    type: "postback",
    mode: "active",
    timestamp: Date.now(),
    webhookEventId: `01HPOSTBACK${eventCounter}${randomUUID().slice(0, 8)}`,
    deliveryContext: { isRedelivery: false },
    replyToken: randomUUID(),
    source: groupId ? { type: "group", groupId, userId } : { type: "user", userId },
    postback: { data },
  };
}

/** POSTs events to the service's /webhooks/line, signed with `channelSecret` (or `signature`). */
export async function postLineWebhook(
  serviceUrl: string,
  channelSecret: string,
  events: object[],
  signature?: string | null,
): Promise<Response> {
  const body = JSON.stringify({ destination: "Ubot", events });
  const headers: Record<string, string> = { "content-type": "application/json" };
  const value = signature === undefined ? lineSignature(body, channelSecret) : signature;
  if (value !== null) headers["x-line-signature"] = value;
  return fetch(`${serviceUrl}/webhooks/line`, { method: "POST", headers, body });
}

/** The channel credentials the tests give the LINE bot (the fake API accepts any). */
export const LINE_TEST_CHANNEL = {
  channelSecret: "line-channel-secret-for-tests",
  channelAccessToken: "line-access-token-for-tests-0123456789",
};

/** The text of every message in a reply or push the bot sent, one per line. */
export function lineMessagesText(request: LineRequest): string {
  return ((request.body?.messages ?? []) as { text?: string }[])
    .map((message) => message.text ?? "")
    .join("\n");
}
