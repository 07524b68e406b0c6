/** Turning an answer into LINE messages (pure): plain text, at most 5 × 5,000 characters, 👍 / 👎 quick reply. */
import type { messagingApi } from "@line/bot-sdk";
import { type Answer, renderFinalAnswer } from "../answer.ts";
import { REPLIES } from "../replies.ts";
import { splitMessage } from "../split-message.ts";

export const LINE_MESSAGE_MAX_CHARS = 5000;
export const LINE_MESSAGES_PER_REQUEST = 5;

/** LINE shows markdown as typed: keep code and text, drop the markup that only adds noise. */
export function markdownToPlain(text: string): string {
  const parts = text.split(/(```[\s\S]*?(?:```|$))/);
  return parts
    .map((part, index) => {
      if (index % 2 === 1) return part; // code blocks stay as they are
      return part
        .replace(/\[([^\]\n]+)\]\(<?([^)>\s]+)>?\)/g, "$1（$2）")
        .replace(/\*\*([^*\n]+)\*\*|__([^_\n]+)__/g, "$1$2")
        .replace(/^#{1,6}\s+/gm, "")
        .replace(/^-# /gm, "");
    })
    .join("");
}

/** Postback data for a vote; short (LINE allows 300 characters) and parsed by parseFeedback. */
export function feedbackData(traceId: string, vote: "up" | "down"): string {
  return new URLSearchParams({ feedback: vote, trace: traceId }).toString();
}

export function parseFeedback(data: string): { traceId: string; vote: "up" | "down" } | null {
  const params = new URLSearchParams(data);
  const vote = params.get("feedback");
  const traceId = params.get("trace");
  if ((vote !== "up" && vote !== "down") || !traceId) return null;
  return { traceId, vote };
}

/** Postback data of the 「問真人助教」 quick reply under an answer. */
export function handoffData(traceId: string): string {
  return new URLSearchParams({ handoff: "1", trace: traceId }).toString();
}

export function parseHandoffData(data: string): { traceId: string } | null {
  const params = new URLSearchParams(data);
  const traceId = params.get("trace");
  return params.get("handoff") === "1" && traceId ? { traceId } : null;
}

/** The 「問真人助教」 quick reply item. */
export function handoffQuickReplyItem(traceId: string): messagingApi.QuickReplyItem {
  return {
    type: "action",
    action: {
      type: "postback",
      label: REPLIES.handoffLabel,
      data: handoffData(traceId),
      displayText: REPLIES.handoffLabel,
    },
  };
}

function feedbackQuickReply(traceId: string): messagingApi.QuickReply {
  const item = (vote: "up" | "down", label: string, shown: string): messagingApi.QuickReplyItem => ({
    type: "action",
    action: { type: "postback", label, data: feedbackData(traceId, vote), displayText: shown },
  });
  return {
    items: [item("up", "👍 有幫助", "👍"), item("down", "👎 沒幫助", "👎"), handoffQuickReplyItem(traceId)],
  };
}

export function textMessages(text: string, quoteToken?: string): messagingApi.TextMessage[] {
  const parts = splitMessage(text, {
    maxChars: LINE_MESSAGE_MAX_CHARS,
    maxMessages: LINE_MESSAGES_PER_REQUEST,
  });
  return parts.map((part, index) => ({
    type: "text",
    text: part,
    ...(index === 0 && quoteToken ? { quoteToken } : {}),
  }));
}

/** The answer as LINE messages, the last one carrying the 👍 / 👎 quick reply. */
export function answerMessages(answer: Answer, quoteToken?: string): messagingApi.TextMessage[] {
  const messages = textMessages(markdownToPlain(renderFinalAnswer(answer, "plain")), quoteToken);
  if (answer.traceId && !answer.error && messages.length > 0) {
    messages[messages.length - 1]!.quickReply = feedbackQuickReply(answer.traceId);
  }
  return messages;
}
