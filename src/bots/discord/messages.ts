/**
 * Channel messages: the bot answers in DMs, when mentioned in a guild channel, and in threads it
 * started; it ignores bots (itself included). Every post carries an enforced nonce, so a retried
 * post is never shown twice. Reactions 👍 / 👎 by the asker on its answers become feedback.
 */
import { randomBytes } from "node:crypto";
import type { Message } from "discord.js";
import { startAnswer } from "../answer.ts";
import { type BotContext, recordFeedback, replyBeforeAnswering, requestHandoff } from "../context.ts";
import { type DiscordPlace, discordConversationId } from "../conversation-ids.ts";
import { parseHandoffCommand, REPLIES } from "../replies.ts";
import { describeError } from "../safe-log.ts";
import { NO_PINGS } from "./commands.ts";
import { handoffComponents, type MessageComponents } from "./handoff-button.ts";
import { questionText } from "./mentions.ts";
import { type ReplyTarget, streamReply } from "./stream-reply.ts";

/** Where a message was said, or null when it is not addressed to the bot. */
export function messagePlace(message: Message, botUserId: string): DiscordPlace | null {
  if (!message.inGuild()) return { kind: "dm", channelId: message.channelId };
  const mentioned = message.mentions.users.has(botUserId);
  const channel = message.channel;
  if (channel.isThread()) {
    return mentioned || channel.ownerId === botUserId ? { kind: "thread", threadId: channel.id } : null;
  }
  return mentioned ? { kind: "channel", channelId: channel.id, userId: message.author.id } : null;
}

export async function handleDiscordMessage(
  context: BotContext,
  message: Message,
  options: { botUserId: string; editIntervalMs?: number },
): Promise<void> {
  if (message.author.bot || message.webhookId || message.system) return;
  const place = messagePlace(message, options.botUserId);
  if (!place) return;
  const channel = message.channel;
  if (!channel.isSendable()) return;
  const say = (content: string, components?: MessageComponents) =>
    message.reply(postOptions(content, components));
  const question = questionText(message.content, options.botUserId);
  const conversationId = discordConversationId(place);
  const handoff = parseHandoffCommand(question);
  if (handoff) {
    await say(
      await requestHandoff(context, {
        platform: "discord",
        userId: message.author.id,
        conversationId,
        question: handoff.question,
        traceId: "",
        target: {
          platform: "discord",
          channelId: message.channelId,
          replyToMessageId: message.id,
          mentionUserId: place.kind === "channel" ? message.author.id : undefined,
        },
      }),
    );
    return;
  }
  const early = await replyBeforeAnswering(context, {
    question,
    conversationId,
    rateLimitKey: `discord:${message.author.id}`,
  });
  if (early !== null) {
    await say(early);
    return;
  }
  const target: ReplyTarget = {
    post: async (index, content, components) =>
      (index === 0 ? await say(content, components) : await channel.send(postOptions(content, components)))
        .id,
    edit: async (_index, messageId, content, components) => {
      await channel.messages.edit(messageId, { content, components, allowedMentions: NO_PINGS });
    },
    typing: () => channel.sendTyping(),
  };
  const events = startAnswer(context.chat, {
    message: question,
    conversationId,
    platform: "discord",
    userId: message.author.id,
    signal: context.signal,
  });
  const { answer, messageIds } = await streamReply(events, target, {
    editIntervalMs: options.editIntervalMs,
    onError: (error) => context.logger.warn(`Discord edit failed: ${describeError(error)}`),
    components: (answer) => handoffComponents(context, answer),
  });
  if (answer.traceId) for (const id of messageIds) context.answers.remember(`discord:${id}`, answer.traceId);
}

const VOTES: Record<string, "up" | "down"> = { "👍": "up", "👎": "down" };

/** The MESSAGE_REACTION_ADD gateway payload (the fields used). */
export interface RawReaction {
  user_id: string;
  message_id: string;
  channel_id?: string;
  emoji: { name: string | null };
  member?: { user?: { bot?: boolean } };
}

/**
 * A 👍 / 👎 (any skin tone) on one of the bot's answers, counted only from the student who asked
 * (classmates' reactions in a channel or thread are ignored). Read from the raw gateway event:
 * discord.js drops reactions in DM channels it has not cached (e.g. after a restart).
 */
export async function handleDiscordReaction(
  context: BotContext,
  reaction: RawReaction,
  botUserId: string,
  offer?: HandoffOffer,
): Promise<void> {
  if (reaction.user_id === botUserId || reaction.member?.user?.bot) return;
  const emoji = (reaction.emoji.name ?? "").replace(/[\u{1F3FB}-\u{1F3FF}\uFE0F]/gu, "");
  const vote = VOTES[emoji];
  if (!vote) return;
  const traceId = context.answers.traceFor(`discord:${reaction.message_id}`);
  if (!traceId) return;
  const stored = await recordFeedback(context, traceId, vote, {
    platform: "discord",
    userId: reaction.user_id,
  });
  // A 👎 from the student who asked: offer a person.
  if (stored && vote === "down" && context.handoffs && reaction.channel_id && offer)
    await offer(reaction.channel_id, reaction.message_id);
}

/** Posts the hand-off offer in a channel, replying to the answer that got a 👎. */
export type HandoffOffer = (channelId: string, answerMessageId: string) => Promise<void>;

export const HANDOFF_OFFER_TEXT = REPLIES.handoffOffer;

/**
 * A bot post: nobody pinged, and a nonce Discord enforces, so when the REST client retries a post
 * after a 5xx or a lost connection Discord returns the message it already created instead of
 * showing the text twice.
 */
function postOptions(content: string, components?: MessageComponents) {
  return { content, components, allowedMentions: NO_PINGS, nonce: messageNonce(), enforceNonce: true };
}

/** Discord nonces are at most 25 characters; 16 random bytes as base64url are 22. */
export function messageNonce(): string {
  return randomBytes(16).toString("base64url");
}
