/** Mentions in Discord questions (pure). */

/**
 * The question without the bot's own mention, and with other people's mentions (`<@123…>`, roles
 * `<@&…>`) replaced by a neutral word: the question is stored in traces and conversation history, and
 * a classmate's Discord id must not be.
 */
export function questionText(content: string, botUserId?: string): string {
  const withoutBot = botUserId ? content.replace(new RegExp(`<@!?${botUserId}>`, "g"), " ") : content;
  return withoutBot
    .replace(/<@!?\d+>/g, "@同學")
    .replace(/<@&\d+>/g, "@身分組")
    .trim();
}
