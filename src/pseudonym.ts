/**
 * Stable pseudonyms for students: the admin page and the logs never show a raw platform id.
 * Imports nothing but node:crypto, so admin/, bots/ and the logger share it.
 */
import { createHmac } from "node:crypto";

/** Prefix of every pseudonym ("student"). */
export const PSEUDONYM_PREFIX = "學生-";

/** 12 hex digits (48 bits): collisions stay unlikely even with tens of thousands of students. */
const PSEUDONYM_HEX_DIGITS = 12;

function digestOf(secret: string, text: string): string {
  return createHmac("sha256", secret).update(text).digest("hex").slice(0, PSEUDONYM_HEX_DIGITS);
}

/**
 * HMAC-SHA256(secret, platform + NUL + userId), first 48 bits: the same student on the same
 * platform always gets the same pseudonym, and nobody without the secret can map it back.
 * An empty userId (anonymous HTTP clients) is shown as "匿名".
 */
export function pseudonymFor(secret: string, platform: string, userId: string): string {
  if (userId === "") return "匿名";
  return `${PSEUDONYM_PREFIX}${digestOf(secret, `${platform}\0${userId}`)}`;
}

/**
 * Bot conversation ids are built from platform ids (`line:user:U…`, `discord:channel:…:user:…`), so
 * staff get an opaque, stable stand-in (`line:對話-1a2b3c4d5e6f`). Ids of HTTP clients stay as they are.
 */
export function pseudonymousConversationId(secret: string, conversationId: string): string {
  const platform = /^(line|discord):/.exec(conversationId)?.[1];
  if (!platform) return conversationId;
  return `${platform}:對話-${digestOf(secret, `conversation\0${conversationId}`)}`;
}

// Bot conversation ids (line:user:U…, discord:channel:…:user:…) and LINE user, group and room ids.
const CONVERSATION_IN_TEXT = /\b(?:line|discord):(?:dm|thread|channel|user|group|room):[A-Za-z0-9_.:-]+/g;
const LINE_ID_IN_TEXT = /\b[UCR][0-9a-f]{32}\b/g;

/** A log line with every platform conversation id and LINE id replaced by its pseudonym. */
export function pseudonymizeIdentifiers(secret: string, text: string): string {
  return text
    .replace(CONVERSATION_IN_TEXT, (id) => pseudonymousConversationId(secret, id))
    .replace(LINE_ID_IN_TEXT, (id) => pseudonymFor(secret, "line", id));
}
