/** What the bots say themselves (not the model), and the commands they understand. */

const RESET_WORDS = new Set(["/reset", "reset", "重新開始", "清除", "/清除"]);

/** 「重新開始」, 「清除」, `reset` or `/reset` (alone, any case, surrounding punctuation ignored). */
export function isResetCommand(text: string): boolean {
  const word = text
    .trim()
    .replace(/^[\s「『"'“]+|[\s」』"'”。.!！]+$/g, "")
    .toLowerCase();
  return RESET_WORDS.has(word);
}

export const REPLIES = {
  /** Shown at once while the passages are looked up and the model starts. */
  thinking: "🔎 正在翻課程資料…",
  /** Appended while an answer is still streaming. */
  stillWriting: "\n\n-# ✍️ 還在寫…",
  /** LINE: the reply token is about to expire and the answer is not ready. */
  lineStillThinking: "🤔 這題需要多想一下，答案好了會馬上傳給你。",
  reset: "🧹 好的，我們重新開始吧！之前的對話我已經忘記了。",
  emptyQuestion: "嗨！想問課程的什麼問題呢？直接把問題打給我就可以了。",
  emptyAnswer: "（這次沒有產生回答，請換個說法再問一次。）",
  interrupted: "\n\n⚠️ 回答中斷了，請再問一次。",
  feedbackThanks: "謝謝你的回饋！🙏",
  onlyText: "目前我只看得懂文字訊息，請用文字問我喔。",
  /** The label of the hand-off button and quick reply. */
  handoffLabel: "問真人助教",
  handoffAck: "🙋 已經幫你轉給真人助教了！助教會在這裡回覆你，請稍等。",
  /** After a not-covered reply or a 👎. */
  handoffOffer: "需要的話，可以找真人助教：輸入「找助教」加上你的問題（或 /human）。",
  /** A second 「問真人助教」 click on the same answer. */
  handoffAlreadyQueued: "🙋 這題已經轉給真人助教了，助教會在這裡回覆你，請稍等。",
  handoffAlreadyAnswered: "助教已經回覆過這題了；還有問題的話，輸入「找助教」加上你的問題。",
  /** Someone else's answer: the button opens a hand-off only for the student who asked. */
  handoffNotYours: "這個按鈕是給提問的同學用的；想問助教的話，輸入「找助教」加上你的問題（或 /human）。",
  handoffUnavailable: "抱歉，目前沒有開放轉給真人助教。",
} as const;

const HANDOFF_PREFIXES = ["/human", "找助教", "問真人助教", "找真人助教"];

/**
 * A request for a person: a message beginning `/human`, 「找助教」 or 「問真人助教」; the rest is the
 * question (may be empty: the last question is used). Null for any other message.
 */
export function parseHandoffCommand(text: string): { question: string } | null {
  const trimmed = text.trim();
  const prefix = HANDOFF_PREFIXES.find((candidate) => trimmed.toLowerCase().startsWith(candidate));
  if (!prefix) return null;
  const rest = trimmed.slice(prefix.length);
  // 「/humane」 is not the command; 「找助教：…」 and 「/human …」 are.
  if (prefix === "/human" && /^[a-z0-9]/i.test(rest)) return null;
  return { question: rest.replace(/^[\s:：,，、]+/, "").trim() };
}

export function rateLimitedReply(retryAfterMs: number): string {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  const wait = seconds >= 60 ? `${Math.ceil(seconds / 60)} 分鐘` : `${seconds} 秒`;
  return `🙏 你問得好快！為了讓每位同學都能用到助教，請 ${wait}後再問下一題。`;
}

/** A friendly message for a failed answer; never the raw error (it may name files or internals). */
export function errorReply(code: string): string {
  switch (code) {
    case "overloaded":
      return "😵 助教現在有點忙，請過幾秒再問一次。";
    case "message_too_long":
      return "這個問題有點長，可以精簡一點再問嗎？";
    case "invalid_message":
      return REPLIES.emptyQuestion;
    case "timeout":
      return "⌛ 這題想太久了，請換個問法或稍後再試。";
    case "cancelled":
      return "回答被中斷了，請再問一次。";
    default:
      return "😣 抱歉，回答時出了點問題，請稍後再試一次。";
  }
}
