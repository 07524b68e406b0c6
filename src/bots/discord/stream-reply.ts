/**
 * Streams an answer into Discord messages: a reply at once, then edits about once a second with a
 * "still writing" marker, continuing in follow-up messages past 2,000 characters. The same code
 * serves channel messages, gateway slash commands and HTTP interactions through a ReplyTarget.
 */
import type { ChatEvent } from "../../chat/index.ts";
import { type Answer, readAnswer, renderFinalAnswer } from "../answer.ts";
import { sleep } from "../backoff.ts";
import { EditThrottle } from "../edit-throttle.ts";
import { REPLIES } from "../replies.ts";
import { splitMessage } from "../split-message.ts";
import type { MessageComponents } from "./handoff-button.ts";

export const DISCORD_MESSAGE_MAX_CHARS = 2000;
/** Discord's typing indicator lasts about 10 s; refresh it a little sooner. */
const TYPING_REFRESH_MS = 8000;

/** Where an answer's messages go; message 0 is the reply itself, later ones are follow-ups. */
export interface ReplyTarget {
  /** Posts message number `index` and returns its id; `components` go under the message (final answer only). */
  post(index: number, content: string, components?: MessageComponents): Promise<string>;
  edit(index: number, messageId: string, content: string, components?: MessageComponents): Promise<void>;
  /** Shows "… is typing" until the bot posts or ~10 s pass. */
  typing?(): Promise<void>;
}

export interface StreamReplyOptions {
  /** Shortest time between two redraws. Default: 1000 ms. */
  editIntervalMs?: number;
  /** Posted at once, before any text; null posts nothing (a deferred interaction already shows "thinking"). Default: REPLIES.thinking. */
  placeholder?: string | null;
  /** Longest message. Default: 2000. */
  maxChars?: number;
  /** Called for failed edits and typing calls (the answer carries on). */
  onError?: (error: unknown) => void;
  /** Buttons for the last message of the final answer (e.g. 「問真人助教」); undefined: none. */
  components?: (answer: Answer) => MessageComponents | undefined;
}

export interface StreamedReply {
  answer: Answer;
  /** Ids of every message that shows part of the answer, in order. */
  messageIds: string[];
}

export async function streamReply(
  events: AsyncIterable<ChatEvent>,
  target: ReplyTarget,
  options: StreamReplyOptions = {},
): Promise<StreamedReply> {
  const maxChars = (options.maxChars ?? DISCORD_MESSAGE_MAX_CHARS) - REPLIES.stillWriting.length;
  const onError = options.onError ?? (() => {});
  const ids: string[] = [];
  const shown: string[] = [];
  const placeholder = options.placeholder === undefined ? REPLIES.thinking : options.placeholder;
  if (placeholder !== null) {
    ids[0] = await target.post(0, placeholder);
    shown[0] = placeholder;
  }

  // Typing until the first token: posting a message clears the indicator, so send it after the placeholder.
  let typingTimer: ReturnType<typeof setInterval> | undefined;
  const stopTyping = () => {
    if (typingTimer !== undefined) clearInterval(typingTimer);
    typingTimer = undefined;
  };
  if (target.typing) {
    const typing = target.typing.bind(target);
    const sendTyping = () => void typing().catch(onError);
    sendTyping();
    typingTimer = setInterval(sendTyping, TYPING_REFRESH_MS);
  }

  const draw = async (messages: string[], components?: MessageComponents) => {
    for (const [index, content] of messages.entries()) {
      const id = ids[index];
      const extra = index === messages.length - 1 ? components : undefined;
      if (id === undefined) {
        ids[index] = await target.post(index, content, extra);
      } else if (shown[index] !== content || extra) {
        await target.edit(index, id, content, extra);
      }
      shown[index] = content;
    }
    // Not expected (a longer text never splits into fewer parts), but never leave stale text behind.
    for (let index = messages.length; index < ids.length; index++) {
      if (shown[index] !== "\u200b") await target.edit(index, ids[index]!, "\u200b");
      shown[index] = "\u200b";
    }
  };

  let current: Answer | undefined;
  const throttle = new EditThrottle(
    async () => {
      if (!current || current.text.trim() === "") return;
      const messages = splitMessage(current.text, { maxChars });
      messages[messages.length - 1] += REPLIES.stillWriting;
      await draw(messages);
    },
    { intervalMs: options.editIntervalMs ?? 1000, onError },
  );
  let answer: Answer;
  try {
    answer = await readAnswer(events, (update) => {
      current = update;
      if (update.text.trim() !== "") {
        stopTyping();
        throttle.request();
      }
    });
  } finally {
    stopTyping();
    await throttle.settle();
  }
  // The final text keeps the pace too: Discord counts every edit against the channel's limit.
  await sleep(throttle.msUntilNextRun());
  await draw(splitMessage(renderFinalAnswer(answer, "markdown"), { maxChars }), options.components?.(answer));
  return { answer, messageIds: ids };
}
