/**
 * What to search for a message in a conversation. Pure.
 *
 * A follow-up such as 「那地點在哪？」, 「那 HW4 呢」 or "why?" means nothing on its own: searched
 * alone it finds the wrong passages, or none, and is then declined as off-topic. Such a message is
 * searched together with the student's previous question. A message that stands on its own is
 * searched alone, so changing the subject is never held back by the old one.
 */

/** Openings that lean on what was said before (「為什麼？」 counts only when short: see below). */
const CONTINUATIONS =
  /^(那|這個|這樣|這些|它|所以|還有|然後|另外|而且|可是|但是)|^(and|so|but|then|what about|how about|it|that|this|those|these)\b/iu;

/** Shorter than this (in characters, punctuation and spaces left out), a message is taken as a follow-up. */
const FOLLOW_UP_MAX_CHARS = 8;

export function searchTextFor(
  message: string,
  history: ReadonlyArray<{ role: "user" | "assistant"; content: string }>,
): string {
  const previousQuestion = history.findLast((turn) => turn.role === "user")?.content.trim();
  if (!previousQuestion) return message;
  const trimmed = message.trim();
  const contentLength = trimmed.replace(/[\s\p{P}\p{S}]/gu, "").length;
  const isFollowUp = contentLength <= FOLLOW_UP_MAX_CHARS || CONTINUATIONS.test(trimmed);
  return isFollowUp ? `${previousQuestion}\n${trimmed}` : message;
}
