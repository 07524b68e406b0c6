/** What every bot adapter gets from startBots: the chat, the stores it may touch, shared state. */
import type { ChatService } from "../chat/index.ts";
import type { Logger } from "../log.ts";
import type { RateLimiter } from "../rate-limiter.ts";
import type { NewHandoff } from "../store/handoffs.ts";
import type { ConversationStore, TraceStore } from "../store/index.ts";
import type { Platform } from "../types.ts";
import type { AnswerIndex } from "./answer-index.ts";
import { isResetCommand, REPLIES, rateLimitedReply } from "./replies.ts";

export interface BotContext {
  chat: ChatService;
  /** `get` checks who may vote on a trace before `setFeedback` stores the vote. */
  traces: Pick<TraceStore, "setFeedback" | "get">;
  conversations: Pick<ConversationStore, "reset">;
  /** Masks every bot secret. */
  logger: Logger;
  /** Shared by all platforms and client reconnects. */
  rateLimiter: RateLimiter;
  answers: AnswerIndex;
  /** Aborted when the bots stop: answers still streaming are cancelled. */
  signal: AbortSignal;
  /** Registers background work (webhook events) so stop() can wait for it. */
  track(work: Promise<unknown>): void;
  /** The hand-off queue (a student asks for a person); absent when the service has none. */
  handoffs?: HandoffRequests;
}

export interface HandoffRequests {
  request(request: NewHandoff): Promise<unknown>;
  /** The newest hand-off opened for a trace, if any (absent: every request opens one). */
  forTrace?(traceId: string): Promise<{ status: string } | undefined>;
}

/** Opens a hand-off and says what the student is told. */
export async function requestHandoff(context: BotContext, request: NewHandoff): Promise<string> {
  if (!context.handoffs) return REPLIES.handoffUnavailable;
  await context.handoffs.request(request);
  return REPLIES.handoffAck;
}

/** Who voted: only the student who asked may vote on an answer. */
export interface Voter {
  platform: Platform;
  userId: string;
  /** When set, the trace must also belong to this conversation (LINE: postback data can name any trace). */
  conversationId?: string;
}

/**
 * Stores a 👍 / 👎 on a trace when the voter is the student who asked it; votes on unknown traces
 * (an answer older than the index) and on other people's answers are ignored.
 */
export async function recordFeedback(
  context: BotContext,
  traceId: string,
  vote: "up" | "down",
  voter: Voter,
): Promise<boolean> {
  const trace = await context.traces.get(traceId);
  if (!trace) {
    context.logger.debug(`feedback ${vote} for unknown trace ${traceId}: ignored`);
    return false;
  }
  const own =
    trace.platform === voter.platform &&
    trace.userId === voter.userId &&
    (voter.conversationId === undefined || trace.conversationId === voter.conversationId);
  if (!own) {
    context.logger.debug(`feedback ${vote} on trace ${traceId} by someone who did not ask it: ignored`);
    return false;
  }
  const stored = await context.traces.setFeedback(traceId, vote);
  context.logger.debug(`feedback ${vote} ${stored ? "stored on" : "for unknown"} trace ${traceId}`);
  return stored;
}

/** The shape http/app.ts expects for /webhooks/*, restated here because bots never import http. */
export type BotWebhookHandler = (request: {
  rawBody: Uint8Array;
  headers: Headers;
}) => Promise<{ status: number; body: unknown; headers?: Record<string, string> }>;

/**
 * What a bot says itself instead of answering: a greeting for an empty message, the reset
 * confirmation (after forgetting the conversation), or a rate-limit notice. Null: answer the question.
 */
export async function replyBeforeAnswering(
  context: BotContext,
  request: { question: string; conversationId: string; rateLimitKey: string },
): Promise<string | null> {
  if (request.question === "") return REPLIES.emptyQuestion;
  if (isResetCommand(request.question)) {
    await context.conversations.reset(request.conversationId);
    return REPLIES.reset;
  }
  const limit = context.rateLimiter.take(request.rateLimitKey);
  return limit.allowed ? null : rateLimitedReply(limit.retryAfterMs);
}
