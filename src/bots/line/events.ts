/**
 * LINE webhook events. In a 1:1 chat every text is a question; in groups and rooms only text that
 * mentions the bot or starts with the prefix. 「清除」 or /reset starts over; a 👍 / 👎 postback
 * stores feedback on the answer's trace when the trace is an answer in the voter's own conversation.
 */
import type { messagingApi, webhook } from "@line/bot-sdk";
import { readAnswer, startAnswer } from "../answer.ts";
import { type BotContext, recordFeedback, replyBeforeAnswering, requestHandoff } from "../context.ts";
import { type LinePlace, lineConversationId } from "../conversation-ids.ts";
import { parseHandoffCommand, REPLIES } from "../replies.ts";
import { describeError } from "../safe-log.ts";
import { type Delivery, deliverAnswer, reply } from "./deliver.ts";
import { handoffQuickReplyItem, parseFeedback, parseHandoffData, textMessages } from "./messages.ts";

export interface LineEventSettings {
  client: messagingApi.MessagingApiClient;
  /** How long after the webhook arrives the answer may still go by reply. */
  replyDeadlineMs: number;
  /** In groups and rooms, text starting with this is for the bot. */
  groupPrefix: string;
  /** The bot's own user id, when known (mentions also carry isSelf). */
  botUserId(): string | undefined;
}

interface Where {
  place: LinePlace;
  /** Push destination. */
  to: string;
  userId: string;
}

function whereFrom(source: webhook.Source | undefined): Where | null {
  if (!source) return null;
  const userId = source.userId ?? "unknown";
  switch (source.type) {
    case "user":
      return source.userId ? { place: { kind: "user", userId }, to: source.userId, userId } : null;
    case "group":
      return { place: { kind: "group", groupId: source.groupId, userId }, to: source.groupId, userId };
    case "room":
      return { place: { kind: "room", roomId: source.roomId, userId }, to: source.roomId, userId };
    default:
      return null;
  }
}

/** The question addressed to the bot, or null when a group message is not for it. */
export function addressedText(
  message: webhook.TextMessageContent,
  inGroup: boolean,
  settings: { groupPrefix: string; botUserId?: string },
): string | null {
  if (!inGroup) return message.text.trim();
  const own = (message.mention?.mentionees ?? []).filter(
    (mentionee): mentionee is webhook.UserMentionee =>
      mentionee.type === "user" &&
      ((mentionee as webhook.UserMentionee).isSelf === true ||
        (!!settings.botUserId && (mentionee as webhook.UserMentionee).userId === settings.botUserId)),
  );
  if (own.length > 0) {
    let text = message.text;
    // Cut from the end so earlier indexes stay valid.
    for (const mentionee of [...own].sort((a, b) => b.index - a.index)) {
      text = text.slice(0, mentionee.index) + text.slice(mentionee.index + mentionee.length);
    }
    return text.trim();
  }
  const prefix = settings.groupPrefix.trim();
  const text = message.text.trimStart();
  if (prefix && text.toLowerCase().startsWith(prefix.toLowerCase())) return text.slice(prefix.length).trim();
  return null;
}

export async function handleLineEvent(
  context: BotContext,
  event: webhook.Event,
  settings: LineEventSettings,
  receivedAt: number,
): Promise<void> {
  if (event.type === "postback") {
    const voter = whereFrom(event.source);
    const handoff = parseHandoffData(event.postback.data);
    if (handoff && voter) {
      await handoffFromAnswer(context, settings, event.replyToken, voter, handoff.traceId, receivedAt);
      return;
    }
    const vote = parseFeedback(event.postback.data);
    if (!vote || !voter) return;
    // Postback data is only as trustworthy as the client: the trace must be this user's own answer.
    const stored = await recordFeedback(context, vote.traceId, vote.vote, {
      platform: "line",
      userId: voter.userId,
      conversationId: lineConversationId(voter.place),
    });
    if (!stored) return;
    const delivery = deliveryFor(context, settings, event.replyToken, voter.to, receivedAt);
    if (vote.vote === "down" && context.handoffs) {
      // A 👎: offer a person, with the quick reply that asks for one.
      const [message] = textMessages(`${REPLIES.feedbackThanks}\n${REPLIES.handoffOffer}`);
      await reply(delivery, [{ ...message!, quickReply: { items: [handoffQuickReplyItem(vote.traceId)] } }]);
      return;
    }
    await reply(delivery, textMessages(REPLIES.feedbackThanks));
    return;
  }
  if (event.type !== "message") return;
  const where = whereFrom(event.source);
  if (!where) return;
  const inGroup = where.place.kind !== "user";
  if (event.message.type !== "text") {
    if (!inGroup)
      await reply(
        deliveryFor(context, settings, event.replyToken, where.to, receivedAt),
        textMessages(REPLIES.onlyText),
      );
    return;
  }
  const question = addressedText(event.message, inGroup, {
    groupPrefix: settings.groupPrefix,
    botUserId: settings.botUserId(),
  });
  if (question === null) return;
  const quoteToken = inGroup ? event.message.quoteToken : undefined;
  const delivery = { ...deliveryFor(context, settings, event.replyToken, where.to, receivedAt), quoteToken };
  const say = (text: string) => reply(delivery, textMessages(text, quoteToken));
  const conversationId = lineConversationId(where.place);
  const handoff = parseHandoffCommand(question);
  if (handoff) {
    await say(
      await requestHandoff(context, {
        platform: "line",
        userId: where.userId,
        conversationId,
        question: handoff.question,
        traceId: "",
        target: { platform: "line", to: where.to },
      }),
    );
    return;
  }
  const early = await replyBeforeAnswering(context, {
    question,
    conversationId,
    rateLimitKey: `line:${where.userId}`,
  });
  if (early !== null) {
    await say(early);
    return;
  }
  if (!inGroup) {
    // Loading animations exist only in 1:1 chats; LINE wants a multiple of 5 seconds, 5–60.
    const loadingSeconds = Math.min(60, Math.max(5, Math.ceil(settings.replyDeadlineMs / 5000) * 5));
    settings.client
      .showLoadingAnimation({ chatId: where.to, loadingSeconds })
      .catch((error) => context.logger.debug(`LINE loading animation failed: ${describeError(error)}`));
  }
  const answer = readAnswer(
    startAnswer(context.chat, {
      message: question,
      conversationId,
      platform: "line",
      userId: where.userId,
      signal: context.signal,
    }),
  );
  const how = await deliverAnswer(delivery, answer);
  context.logger.debug(`LINE answer for ${conversationId} delivered by ${how}`);
}

/** The 「問真人助教」 quick reply under an answer: only the student who asked, in that conversation. */
async function handoffFromAnswer(
  context: BotContext,
  settings: LineEventSettings,
  replyToken: string | undefined,
  who: Where,
  traceId: string,
  receivedAt: number,
): Promise<void> {
  const conversationId = lineConversationId(who.place);
  const trace = await context.traces.get(traceId);
  const own =
    trace &&
    trace.platform === "line" &&
    trace.userId === who.userId &&
    trace.conversationId === conversationId;
  if (!own) {
    context.logger.debug(`hand-off for trace ${traceId} by someone who did not ask it: ignored`);
    return;
  }
  const text = await requestHandoff(context, {
    platform: "line",
    userId: who.userId,
    conversationId,
    question: trace.question,
    traceId,
    target: { platform: "line", to: who.to },
  });
  await reply(deliveryFor(context, settings, replyToken, who.to, receivedAt), textMessages(text));
}

function deliveryFor(
  context: BotContext,
  settings: LineEventSettings,
  replyToken: string | undefined,
  to: string,
  receivedAt: number,
): Delivery {
  return {
    client: settings.client,
    logger: context.logger,
    replyToken,
    to,
    deadlineAt: receivedAt + settings.replyDeadlineMs,
    signal: context.signal,
  };
}
