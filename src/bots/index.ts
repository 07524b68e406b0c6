/**
 * The bots' entry point: startBots() starts the Discord gateway bot and builds the Discord and LINE
 * webhook handlers, each only when its settings are present (a one-line notice otherwise). It never
 * waits for a platform: an unreachable one is retried with backoff in the background while the rest
 * of the service serves. deps.ts / serve.ts wire the returned webhooks into the HTTP app.
 */
import type { ChatService } from "../chat/index.ts";
import type { Logger } from "../log.ts";
import { RateLimiter } from "../rate-limiter.ts";
import type { ConversationStore, TraceStore } from "../store/index.ts";
import type { BackoffOptions } from "./backoff.ts";
import { openBotState } from "./bot-state.ts";
import type { BotContext, BotWebhookHandler, HandoffRequests } from "./context.ts";
import { startDiscordGateway } from "./discord/gateway.ts";
import { createDiscordInteractionsHandler } from "./discord/interactions-http.ts";
import { parseDiscordPublicKey } from "./discord/signature.ts";
import { createDiscordStaffReplies } from "./discord/staff-reply.ts";
import { type StaffReplySender, startLineBot } from "./line/webhook.ts";
import { secretSafeLogger } from "./safe-log.ts";

export type { BotWebhookHandler } from "./context.ts";

export interface DiscordBotConfig {
  /** DISCORD_TOKEN. The gateway bot runs only when set. */
  token?: string;
  /** DISCORD_APPLICATION_ID. When set (with a token), /ask, /reset and /human are registered at start. */
  applicationId?: string;
  /** DISCORD_PUBLIC_KEY (hex). When set, POST /webhooks/discord accepts signed HTTP interactions. */
  publicKey?: string;
  /** DISCORD_API_BASE_URL, with or without "/v10". Default: "https://discord.com/api". */
  apiBaseUrl?: string;
  /** Shortest time between two edits of a streaming answer. Default: 1000 ms. */
  editIntervalMs?: number;
}

export interface LineBotConfig {
  /** LINE_CHANNEL_SECRET: verifies X-Line-Signature. */
  channelSecret?: string;
  /** LINE_CHANNEL_ACCESS_TOKEN. */
  channelAccessToken?: string;
  /** LINE_API_BASE_URL. Default: "https://api.line.me". */
  apiBaseUrl?: string;
  /** LINE_REPLY_DEADLINE_MS: after this, "still thinking" goes by reply and the answer by push. Default: 20,000. */
  replyDeadlineMs?: number;
  /** LINE_GROUP_PREFIX: in groups, text starting with it is for the bot (as is a mention). Default: "/ask". */
  groupPrefix?: string;
}

export interface BotsOptions {
  chat: ChatService;
  /** `get` lets the bots check that a vote comes from the student who asked. */
  traces: Pick<TraceStore, "setFeedback" | "get">;
  conversations: Pick<ConversationStore, "reset">;
  logger: Logger;
  discord?: DiscordBotConfig;
  line?: LineBotConfig;
  /** Per-user token bucket shared by both platforms. Default: burst 5, 2 per minute. */
  rateLimit?: { burst?: number; perMinute?: number };
  /**
   * BOT_STATE_FILE: JSON-lines file linking answer messages to traces (so reactions count after a
   * restart) and holding the LINE webhook events already handled (so none is answered twice).
   * Default: memory only.
   */
  stateFile?: string;
  /** Retry delays for platforms that cannot be reached. Default: 1 s doubling up to 5 min. */
  retry?: BackoffOptions;
  /** Clock for the rate limiter (tests). Default: Date.now. */
  now?: () => number;
  /** The hand-off queue; without it 「找助教」 and /human say hand-offs are not available. */
  handoffs?: HandoffRequests;
}

export interface RunningBots {
  /** Handlers for POST /webhooks/line and /webhooks/discord; absent when that platform is off. */
  webhooks: { line?: BotWebhookHandler; discord?: BotWebhookHandler };
  /** Deliver staff replies to hand-offs, per platform that is running (Discord needs DISCORD_TOKEN). */
  staffReplies: { line?: StaffReplySender; discord?: StaffReplySender };
  /** Cancels answers in progress, disconnects, and waits for background work. */
  stop(): Promise<void>;
}

/** Longest wait in stop() for answers to wind down after they are cancelled. */
const STOP_GRACE_MS = 5000;

export async function startBots(options: BotsOptions): Promise<RunningBots> {
  const discord = options.discord ?? {};
  const line = options.line ?? {};
  const logger = secretSafeLogger(options.logger, [
    discord.token,
    line.channelSecret,
    line.channelAccessToken,
  ]);
  const stopping = new AbortController();
  const inFlight = new Set<Promise<unknown>>();
  const state = await openBotState({ file: options.stateFile, logger });
  const context: BotContext = {
    chat: options.chat,
    traces: options.traces,
    conversations: options.conversations,
    logger,
    rateLimiter: new RateLimiter({ ...options.rateLimit, now: options.now }),
    answers: state.answers,
    signal: stopping.signal,
    handoffs: options.handoffs,
    track(work) {
      inFlight.add(work);
      // Tracked work handles its own errors; the catch only keeps a stray rejection from crashing.
      void work.finally(() => inFlight.delete(work)).catch(() => {});
    },
  };
  const webhooks: RunningBots["webhooks"] = {};
  const staffReplies: RunningBots["staffReplies"] = {};
  const stops: (() => Promise<void> | void)[] = [];
  // discord.js adds the version itself: accept ".../api" and ".../api/v10" alike.
  const discordApi = (discord.apiBaseUrl?.trim() || "https://discord.com/api")
    .replace(/\/+$/, "")
    .replace(/\/v\d+$/, "");

  if (discord.publicKey) {
    const publicKey = parseDiscordPublicKey(discord.publicKey);
    const interactions = createDiscordInteractionsHandler(context, {
      publicKey,
      apiBaseUrl: discordApi,
      editIntervalMs: discord.editIntervalMs,
    });
    webhooks.discord = interactions.handler;
    stops.push(interactions.close);
  }
  if (discord.token) {
    const gateway = startDiscordGateway(context, {
      token: discord.token,
      applicationId: discord.applicationId,
      apiBaseUrl: discordApi,
      editIntervalMs: discord.editIntervalMs,
      retry: options.retry,
    });
    stops.push(() => gateway.stop());
    const replies = createDiscordStaffReplies({ token: discord.token, apiBaseUrl: discordApi });
    staffReplies.discord = replies.deliver;
    stops.push(replies.close);
  } else {
    logger.info(
      `Discord gateway bot off: DISCORD_TOKEN is not set${webhooks.discord ? " (HTTP interactions are on)" : ""}`,
    );
  }

  if (line.channelSecret && line.channelAccessToken) {
    const bot = startLineBot(context, {
      channelSecret: line.channelSecret,
      channelAccessToken: line.channelAccessToken,
      apiBaseUrl: line.apiBaseUrl,
      replyDeadlineMs: line.replyDeadlineMs,
      groupPrefix: line.groupPrefix,
      retry: options.retry,
      seenEvents: state.lineEvents,
    });
    webhooks.line = bot.handler;
    staffReplies.line = bot.deliverStaffReply;
    stops.push(bot.stop);
  } else {
    const missing = [
      line.channelSecret ? undefined : "LINE_CHANNEL_SECRET",
      line.channelAccessToken ? undefined : "LINE_CHANNEL_ACCESS_TOKEN",
    ].filter(Boolean);
    logger.info(`LINE bot off: ${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} not set`);
  }

  return {
    webhooks,
    staffReplies,
    async stop() {
      stopping.abort();
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.allSettled([...inFlight]),
        new Promise((resolve) => {
          timer = setTimeout(resolve, STOP_GRACE_MS);
        }),
      ]);
      clearTimeout(timer);
      for (const stop of stops) await stop();
      await state.close();
    },
  };
}
