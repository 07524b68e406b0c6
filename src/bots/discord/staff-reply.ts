/**
 * A staff reply to a Discord hand-off, posted by the bot through the REST API: in the student's DM or
 * thread, or in the channel as a reply that mentions them. The hand-off's delivery key is the enforced
 * nonce, so a retried post is never shown twice.
 */
import { REST, Routes } from "discord.js";
import type { Handoff } from "../../store/handoffs.ts";

/** The body of the post (pure). */
export function staffReplyBody(handoff: Handoff, text: string) {
  if (handoff.target.platform !== "discord") throw new Error("not a Discord hand-off");
  const { replyToMessageId, mentionUserId } = handoff.target;
  return {
    content: mentionUserId ? `<@${mentionUserId}> ${text}` : text,
    // Discord nonces are at most 25 characters.
    nonce: handoff.deliveryKey.replace(/-/g, "").slice(0, 25),
    enforce_nonce: true,
    allowed_mentions: { parse: [], users: mentionUserId ? [mentionUserId] : [] },
    ...(replyToMessageId
      ? { message_reference: { message_id: replyToMessageId, fail_if_not_exists: false } }
      : {}),
  };
}

export function createDiscordStaffReplies(options: { token: string; apiBaseUrl: string }) {
  const rest = new REST({ api: options.apiBaseUrl }).setToken(options.token);
  return {
    async deliver(handoff: Handoff, text: string): Promise<void> {
      if (handoff.target.platform !== "discord") throw new Error("not a Discord hand-off");
      await rest.post(Routes.channelMessages(handoff.target.channelId), {
        body: staffReplyBody(handoff, text),
      });
    },
    close() {
      rest.clearHashSweeper();
      rest.clearHandlerSweeper();
    },
  };
}
