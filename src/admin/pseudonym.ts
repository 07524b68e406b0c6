/** Stable pseudonyms for students: the admin page never shows a raw platform id. */
import { createHmac } from "node:crypto";

/** Prefix of every pseudonym ("student"). */
export const PSEUDONYM_PREFIX = "學生-";

/**
 * HMAC-SHA256(secret, platform + NUL + userId), first 6 hex digits: the same student on the same
 * platform always gets the same pseudonym, and nobody without the secret can map it back.
 * An empty userId (anonymous HTTP clients) is shown as "匿名".
 */
export function pseudonymFor(secret: string, platform: string, userId: string): string {
  if (userId === "") return "匿名";
  const digest = createHmac("sha256", secret).update(`${platform}\0${userId}`).digest("hex");
  return `${PSEUDONYM_PREFIX}${digest.slice(0, 6)}`;
}

/**
 * Bot conversation ids are built from platform ids (`line:user:U…`, `discord:channel:…:user:…`), so
 * staff get an opaque, stable stand-in (`line:對話-1a2b3c4d5e`). Random ids of HTTP clients stay as they are.
 */
export function pseudonymousConversationId(secret: string, conversationId: string): string {
  const platform = /^(line|discord):/.exec(conversationId)?.[1];
  if (!platform) return conversationId;
  const digest = createHmac("sha256", secret).update(`conversation\0${conversationId}`).digest("hex");
  return `${platform}:對話-${digest.slice(0, 10)}`;
}
