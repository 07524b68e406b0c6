/**
 * Getting an answer to LINE. Replies are free, pushes count against the monthly quota, so: reply
 * with the answer when it is ready before the reply token's deadline; otherwise reply with a short
 * "still thinking" and push the answer when it is done. A reply LINE answered with a 4xx (its token
 * no longer usable, a 429 rate limit, …) was not delivered, so the answer falls back to a push; a
 * 5xx or network error does not, since LINE may have delivered it anyway and a push could show the
 * answer twice. Pushes carry one X-Line-Retry-Key across their retries (429, 5xx, network errors),
 * so LINE delivers a retried push at most once.
 */
import { randomUUID } from "node:crypto";
import { HTTPFetchError, type messagingApi } from "@line/bot-sdk";
import type { Logger } from "../../log.ts";
import type { Answer } from "../answer.ts";
import { backoffDelay, sleep } from "../backoff.ts";
import { REPLIES } from "../replies.ts";
import { describeError } from "../safe-log.ts";
import { answerMessages, textMessages } from "./messages.ts";

type LineMessage = messagingApi.Message;
type ReplyOutcome = "sent" | "not-delivered" | "uncertain";
const PUSH_ATTEMPTS = 5;
const PUSH_BACKOFF = { initialMs: 1000, maxMs: 10_000 };
/** A Retry-After longer than this is not waited for: the push is given up instead. */
const MAX_RETRY_AFTER_MS = 60_000;

export interface Delivery {
  client: messagingApi.MessagingApiClient;
  logger: Logger;
  replyToken: string | undefined;
  /** Push destination: the user, group or room id. */
  to: string;
  /** Quoted by the first message, so in a group it is clear which question is answered. */
  quoteToken?: string;
  /** When the reply token should be used by (ms since epoch). */
  deadlineAt: number;
  now?: () => number;
  /** Aborted when the bots stop: push retries give up. Default: never. */
  signal?: AbortSignal;
}

export async function reply(delivery: Delivery, messages: LineMessage[]): Promise<ReplyOutcome> {
  if (!delivery.replyToken) return "not-delivered";
  try {
    await delivery.client.replyMessage({ replyToken: delivery.replyToken, messages });
    return "sent";
  } catch (error) {
    const outcome = classifyReplyError(error);
    delivery.logger.warn(`LINE reply failed (${outcome}): ${describeError(error)}`);
    return outcome;
  }
}

function classifyReplyError(error: unknown): Exclude<ReplyOutcome, "sent"> {
  if (!(error instanceof HTTPFetchError)) return "uncertain"; // network: it may have arrived
  if (error.status >= 500) return "uncertain";
  // 400 "Invalid reply token", 429 and other refusals: LINE did not deliver it.
  return "not-delivered";
}

/** Milliseconds from a Retry-After header (seconds or an HTTP date); undefined when absent or unreadable. */
export function retryAfterMs(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Pushes with one retry key for every attempt, so retrying after a 5xx or a lost connection can never
 * deliver twice (LINE answers 409 to a key it already accepted). 429 and 5xx are retried with
 * exponential backoff, waiting at least as long as Retry-After asks.
 */
export async function push(
  delivery: Delivery,
  messages: LineMessage[],
  retryKey: string = randomUUID(),
): Promise<boolean> {
  for (let attempt = 0; attempt < PUSH_ATTEMPTS; attempt++) {
    try {
      await delivery.client.pushMessage({ to: delivery.to, messages }, retryKey);
      return true;
    } catch (error) {
      if (error instanceof HTTPFetchError && error.status === 409) return true; // accepted earlier
      const retryable = !(error instanceof HTTPFetchError) || error.status >= 500 || error.status === 429;
      delivery.logger.warn(`LINE push failed: ${describeError(error)}`);
      if (!retryable || attempt === PUSH_ATTEMPTS - 1 || delivery.signal?.aborted) return false;
      const asked =
        error instanceof HTTPFetchError ? retryAfterMs(error.headers?.get("retry-after")) : undefined;
      if (asked !== undefined && asked > MAX_RETRY_AFTER_MS) return false;
      await sleep(Math.max(backoffDelay(attempt, PUSH_BACKOFF), asked ?? 0), delivery.signal);
      if (delivery.signal?.aborted) return false;
    }
  }
  return false;
}

/** Delivers `answer` by reply when it is ready in time, else "still thinking" by reply and the answer by push. */
export async function deliverAnswer(
  delivery: Delivery,
  answer: Promise<Answer>,
): Promise<"reply" | "push" | "lost"> {
  const now = delivery.now ?? Date.now;
  const timeout = new AbortController();
  const early = await Promise.race([
    answer.then((value) => value),
    sleep(Math.max(0, delivery.deadlineAt - now()), timeout.signal).then(() => null),
  ]);
  timeout.abort();
  if (early) {
    const messages = answerMessages(early, delivery.quoteToken);
    const outcome = await reply(delivery, messages);
    if (outcome === "sent") return "reply";
    if (outcome === "uncertain") return "lost";
    return (await push(delivery, messages)) ? "push" : "lost";
  }
  await reply(delivery, textMessages(REPLIES.lineStillThinking, delivery.quoteToken));
  const messages = answerMessages(await answer, delivery.quoteToken);
  return (await push(delivery, messages)) ? "push" : "lost";
}
