/**
 * Getting an answer to LINE. Replies are free, pushes count against the monthly quota, so: reply
 * with the answer when it is ready before the reply token's deadline; otherwise reply with a short
 * "still thinking" and push the answer when it is done. A reply that fails because its token is
 * no longer usable (LINE's 400 "Invalid reply token") falls back to a push; a 5xx or network error
 * does not, since LINE may have delivered it anyway and a push could show the answer twice.
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
type ReplyOutcome = "sent" | "token-unusable" | "uncertain" | "refused";
const PUSH_ATTEMPTS = 3;

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
}

export async function reply(delivery: Delivery, messages: LineMessage[]): Promise<ReplyOutcome> {
  if (!delivery.replyToken) return "token-unusable";
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
  if (error.status === 400 && /reply ?token/i.test(error.body)) return "token-unusable";
  return "refused";
}

/** Pushes with one retry key, so retrying after a 5xx can never deliver twice (LINE answers 409). */
export async function push(delivery: Delivery, messages: LineMessage[]): Promise<boolean> {
  const retryKey = randomUUID();
  for (let attempt = 0; attempt < PUSH_ATTEMPTS; attempt++) {
    try {
      await delivery.client.pushMessage({ to: delivery.to, messages }, retryKey);
      return true;
    } catch (error) {
      if (error instanceof HTTPFetchError && error.status === 409) return true; // accepted earlier
      const retryable = !(error instanceof HTTPFetchError) || error.status >= 500 || error.status === 429;
      delivery.logger.warn(`LINE push failed: ${describeError(error)}`);
      if (!retryable || attempt === PUSH_ATTEMPTS - 1) return false;
      await sleep(backoffDelay(attempt, { initialMs: 1000, maxMs: 10_000 }));
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
    if (outcome !== "token-unusable") return "lost";
    return (await push(delivery, messages)) ? "push" : "lost";
  }
  await reply(delivery, textMessages(REPLIES.lineStillThinking, delivery.quoteToken));
  const messages = answerMessages(await answer, delivery.quoteToken);
  return (await push(delivery, messages)) ? "push" : "lost";
}
