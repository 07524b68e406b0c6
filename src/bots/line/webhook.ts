/**
 * POST /webhooks/line: checks X-Line-Signature (HMAC-SHA256 of the raw body with the channel
 * secret) before anything else, answers 200 at once and handles the events after. An event seen
 * before (same webhookEventId: LINE redelivers, and a captured webhook can be replayed) is skipped,
 * and so is one older than the ids remembered (it could not be recognised as a repeat).
 */
import { messagingApi, validateSignature, type webhook } from "@line/bot-sdk";
import { SeenEvents } from "../../seen-events.ts";
import type { Handoff } from "../../store/handoffs.ts";
import { type BackoffOptions, describeDelay, retryWithBackoff } from "../backoff.ts";
import type { BotContext, BotWebhookHandler } from "../context.ts";
import { describeError } from "../safe-log.ts";
import { push } from "./deliver.ts";
import { handleLineEvent } from "./events.ts";
import { textMessages } from "./messages.ts";

export interface LineBotOptions {
  channelSecret: string;
  channelAccessToken: string;
  /** Default: https://api.line.me */
  apiBaseUrl?: string;
  /** Default: 20,000 ms. */
  replyDeadlineMs?: number;
  /** Default: "/ask". */
  groupPrefix?: string;
  retry?: BackoffOptions;
  /** The webhookEventIds already handled (startBots passes the persisted ones). Default: a new in-memory set. */
  seenEvents?: SeenEvents;
}

export interface LineBot {
  handler: BotWebhookHandler;
  /** Pushes a staff reply to a hand-off's chat, once (its delivery key is the push's retry key). */
  deliverStaffReply: StaffReplySender;
  stop(): void;
}

export type StaffReplySender = (handoff: Handoff, text: string) => Promise<void>;

export function startLineBot(context: BotContext, options: LineBotOptions): LineBot {
  const { logger } = context;
  const client = new messagingApi.MessagingApiClient({
    channelAccessToken: options.channelAccessToken,
    ...(options.apiBaseUrl ? { baseURL: options.apiBaseUrl } : {}),
  });
  const seen = options.seenEvents ?? new SeenEvents();
  const stopping = new AbortController();
  let botUserId: string | undefined;

  // Checks the token and learns the bot's user id; the webhook works meanwhile (mentions carry isSelf).
  void retryWithBackoff(() => client.getBotInfo(), {
    signal: stopping.signal,
    backoff: options.retry,
    onFailure: (error, delayMs) =>
      logger.error(`LINE API not reachable: ${describeError(error)}; retrying in ${describeDelay(delayMs)}`),
  }).then((info) => {
    if (!info) return;
    botUserId = info.userId;
    logger.info(`LINE bot ready as ${info.displayName}`);
  });

  const settings = {
    client,
    replyDeadlineMs: options.replyDeadlineMs ?? 20_000,
    groupPrefix: options.groupPrefix ?? "/ask",
    botUserId: () => botUserId,
  };

  const handler: BotWebhookHandler = async ({ rawBody, headers }) => {
    const receivedAt = Date.now();
    const signature = headers.get("x-line-signature");
    if (!signature || !validateSignature(Buffer.from(rawBody), options.channelSecret, signature)) {
      return { status: 401, body: { error: { code: "unauthorized", message: "invalid X-Line-Signature" } } };
    }
    let events: webhook.Event[];
    try {
      const body = JSON.parse(new TextDecoder().decode(rawBody)) as webhook.CallbackRequest;
      // Only objects are events; anything else in the list (null, numbers) is ignored.
      events = Array.isArray(body?.events)
        ? body.events.filter((event) => typeof event === "object" && event !== null)
        : [];
    } catch {
      return {
        status: 400,
        body: { error: { code: "invalid_json", message: "request body is not valid JSON" } },
      };
    }
    for (const event of events) {
      if (typeof event.timestamp === "number" && seen.tooOld(event.timestamp)) {
        logger.warn(
          `LINE event ${event.webhookEventId} from ${new Date(event.timestamp).toISOString()} is too old: skipped`,
        );
        continue;
      }
      if (event.webhookEventId && !seen.firstTime(event.webhookEventId)) {
        logger.debug(`LINE event ${event.webhookEventId} seen before: skipped`);
        continue;
      }
      context.track(
        handleLineEvent(context, event, settings, receivedAt).catch((error) =>
          logger.error(`LINE ${event.type} event failed: ${describeError(error)}`),
        ),
      );
    }
    return { status: 200, body: {} };
  };

  const deliverStaffReply: StaffReplySender = async (handoff, text) => {
    if (handoff.target.platform !== "line") throw new Error("not a LINE hand-off");
    const delivery = { client, logger, replyToken: undefined, to: handoff.target.to, deadlineAt: 0 };
    if (!(await push(delivery, textMessages(text), handoff.deliveryKey)))
      throw new Error("LINE did not accept the push (see the log)");
  };

  return { handler, deliverStaffReply, stop: () => stopping.abort() };
}
