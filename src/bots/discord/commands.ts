/**
 * The /ask, /reset and /human slash commands: their definitions, their registration through the REST API,
 * and what they do, shared by gateway interactions and HTTP interactions.
 */
import { ChannelType, type REST, Routes } from "discord.js";
import { startAnswer } from "../answer.ts";
import { type BotContext, requestHandoff } from "../context.ts";
import { type DiscordPlace, discordConversationId } from "../conversation-ids.ts";
import { REPLIES, rateLimitedReply } from "../replies.ts";
import { describeError } from "../safe-log.ts";
import { handoffComponents } from "./handoff-button.ts";
import { questionText } from "./mentions.ts";
import { type ReplyTarget, streamReply } from "./stream-reply.ts";

export const SLASH_COMMANDS = [
  {
    name: "ask",
    description: "問課程助教一個問題",
    type: 1,
    contexts: [0, 1],
    options: [{ type: 3, name: "question", description: "你的問題", required: true, max_length: 4000 }],
  },
  { name: "reset", description: "清除和助教的對話，重新開始", type: 1, contexts: [0, 1] },
  {
    name: "human",
    description: "轉給真人助教",
    type: 1,
    contexts: [0, 1],
    options: [
      { type: 3, name: "question", description: "想問助教的問題", required: false, max_length: 4000 },
    ],
  },
] as const;

/** Replaces the application's global commands with /ask, /reset and /human (idempotent). */
export async function registerSlashCommands(rest: REST, applicationId: string): Promise<void> {
  await rest.put(Routes.applicationCommands(applicationId), { body: SLASH_COMMANDS });
}

/** Mentions in answers are shown, never pinged (a model could write @everyone). */
export const NO_PINGS = { parse: [] as never[], repliedUser: false };

const THREAD_TYPES: ReadonlySet<number> = new Set([
  ChannelType.PublicThread,
  ChannelType.PrivateThread,
  ChannelType.AnnouncementThread,
]);

/** Where a command was used, from the fields both gateway and HTTP interactions carry. */
export function commandPlace(where: {
  guildId: string | null | undefined;
  channelId: string;
  channelType: number | undefined;
  userId: string;
}): DiscordPlace {
  if (!where.guildId) return { kind: "dm", channelId: where.channelId };
  if (where.channelType !== undefined && THREAD_TYPES.has(where.channelType)) {
    return { kind: "thread", threadId: where.channelId };
  }
  return { kind: "channel", channelId: where.channelId, userId: where.userId };
}

export type CommandOutcome =
  | { kind: "immediate"; content: string; ephemeral: boolean }
  | { kind: "deferred"; run(target: ReplyTarget): Promise<void> };

/**
 * Decides what a command does. `immediate` answers in the interaction response; `deferred` means:
 * acknowledge now, then stream the answer through `run`.
 */
export async function planCommand(
  context: BotContext,
  command: { name: string; question: string | undefined; place: DiscordPlace; userId: string },
  options: { editIntervalMs?: number },
): Promise<CommandOutcome> {
  const conversationId = discordConversationId(command.place);
  if (command.name === "reset") {
    await context.conversations.reset(conversationId);
    return { kind: "immediate", content: REPLIES.reset, ephemeral: true };
  }
  if (command.name === "human") {
    const place = command.place;
    const channelId = place.kind === "thread" ? place.threadId : place.channelId;
    const content = await requestHandoff(context, {
      platform: "discord",
      userId: command.userId,
      conversationId,
      question: questionText(command.question ?? ""),
      traceId: "",
      target: {
        platform: "discord",
        channelId,
        mentionUserId: place.kind === "channel" ? command.userId : undefined,
      },
    });
    return { kind: "immediate", content, ephemeral: false };
  }
  if (command.name !== "ask")
    return { kind: "immediate", content: `不認識的指令 /${command.name}`, ephemeral: true };
  const question = questionText(command.question ?? "");
  if (question === "") return { kind: "immediate", content: REPLIES.emptyQuestion, ephemeral: true };
  const limit = context.rateLimiter.take(`discord:${command.userId}`);
  if (!limit.allowed)
    return { kind: "immediate", content: rateLimitedReply(limit.retryAfterMs), ephemeral: true };
  return {
    kind: "deferred",
    async run(target) {
      const events = startAnswer(context.chat, {
        message: question,
        conversationId,
        platform: "discord",
        userId: command.userId,
        signal: context.signal,
      });
      const { answer, messageIds } = await streamReply(events, target, {
        placeholder: null,
        editIntervalMs: options.editIntervalMs,
        onError: (error) => context.logger.warn(`Discord edit failed: ${describeError(error)}`),
        components: (answer) => handoffComponents(context, answer),
      });
      if (answer.traceId)
        for (const id of messageIds) context.answers.remember(`discord:${id}`, answer.traceId);
    },
  };
}
