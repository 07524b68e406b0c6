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
} as const;

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
