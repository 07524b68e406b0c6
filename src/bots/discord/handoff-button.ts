/**
 * The 「問真人助教」 button under each course answer the Discord bot sends. A click by the student who
 * asked opens a hand-off with that answer's question (found through the answer index and the
 * trace); a second click on the same answer opens nothing new. Shared by gateway and HTTP interactions.
 */
import {
  ActionRowBuilder,
  type APIActionRowComponent,
  type APIComponentInMessageActionRow,
  ButtonBuilder,
  ButtonStyle,
} from "discord.js";
import type { ChatMode } from "../../types.ts";
import type { Answer } from "../answer.ts";
import { type BotContext, requestHandoff } from "../context.ts";
import { REPLIES } from "../replies.ts";

export const HANDOFF_BUTTON_ID = "handoff";

export type MessageComponents = APIActionRowComponent<APIComponentInMessageActionRow>[];

/** Answers about the course; fixed replies (crisis, refusal, small talk) get no button. */
const ANSWER_MODES: ReadonlySet<ChatMode> = new Set(["answer", "retrieval-only", "not-covered", "verified"]);

/** Whether a finished answer offers the button (pure): a course answer with a trace, not failed. */
export function offersHandoff(answer: Pick<Answer, "traceId" | "error" | "mode">): boolean {
  return Boolean(answer.traceId && !answer.error && answer.mode && ANSWER_MODES.has(answer.mode));
}

/** The action row with the button, or undefined when this answer should not offer it. */
export function handoffComponents(context: BotContext, answer: Answer): MessageComponents | undefined {
  if (!context.handoffs || !offersHandoff(answer)) return undefined;
  const button = new ButtonBuilder()
    .setCustomId(HANDOFF_BUTTON_ID)
    .setLabel(REPLIES.handoffLabel)
    .setEmoji("🙋")
    .setStyle(ButtonStyle.Secondary);
  return [new ActionRowBuilder<ButtonBuilder>().addComponents(button).toJSON()];
}

export interface ButtonClick {
  /** The answer message the button is under. */
  messageId: string;
  channelId: string;
  /** Null in a DM. */
  guildId: string | null;
  /** True in a thread: the reply needs no mention there. */
  inThread: boolean;
  userId: string;
  /** Gateway bots reply to the answer message; HTTP interactions cannot always post in the channel. */
  replyToAnswer: boolean;
}

/** Clicks being handled, so a quick double click cannot open two hand-offs before the first is stored. */
const inFlight = new Set<string>();

/** Handles a click and returns what the student is told (ephemerally). */
export async function handoffFromButton(context: BotContext, click: ButtonClick): Promise<string> {
  if (!context.handoffs) return REPLIES.handoffUnavailable;
  const traceId = context.answers.traceFor(`discord:${click.messageId}`);
  const trace = traceId ? await context.traces.get(traceId) : undefined;
  // An answer older than the index (or a trace since deleted): the typed command still works.
  if (!traceId || !trace) return REPLIES.handoffOffer;
  if (trace.platform !== "discord" || trace.userId !== click.userId) return REPLIES.handoffNotYours;
  if (inFlight.has(traceId)) return REPLIES.handoffAlreadyQueued;
  inFlight.add(traceId);
  try {
    const earlier = await context.handoffs.forTrace?.(traceId);
    if (earlier)
      return earlier.status === "open" ? REPLIES.handoffAlreadyQueued : REPLIES.handoffAlreadyAnswered;
    return await requestHandoff(context, {
      platform: "discord",
      userId: click.userId,
      conversationId: trace.conversationId,
      question: trace.question,
      traceId,
      target: {
        platform: "discord",
        channelId: click.channelId,
        replyToMessageId: click.replyToAnswer ? click.messageId : undefined,
        mentionUserId: click.guildId && !click.inThread ? click.userId : undefined,
      },
    });
  } finally {
    inFlight.delete(traceId);
  }
}
