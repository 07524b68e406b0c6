/**
 * Conversation namespaces. The bots name their conversations `line:…` and `discord:…` (built from
 * platform ids that anyone in a shared group can see). Every other conversation (HTTP API, CLI)
 * lives in the HTTP namespace: letters, digits, `_`, `-` and `.`, never a colon. No spelling of an
 * HTTP id can therefore name a bot conversation, and one that tries is refused, never mapped.
 */
import { randomBytes } from "node:crypto";
import { AppError } from "../errors.ts";
import type { Platform } from "../types.ts";

const HTTP_CONVERSATION_ID = /^[A-Za-z0-9_.-]{1,128}$/;

/** Platforms whose conversation ids carry their own `<platform>:` prefix (see bots/conversation-ids.ts). */
const PLATFORM_NAMESPACES: Partial<Record<Platform, string>> = { line: "line:", discord: "discord:" };

/** 144 random bits, base64url: a conversation id the server issues is a capability nobody can guess. */
export function newConversationId(): string {
  return randomBytes(18).toString("base64url");
}

/** True when `value` may name a conversation of the HTTP API (and so never a bot's). */
export function isHttpConversationId(value: string): boolean {
  return HTTP_CONVERSATION_ID.test(value);
}

/**
 * Reads a conversation id sent by an HTTP client: absent is undefined (the server issues one);
 * anything outside the HTTP namespace is a 400 that says why.
 */
export function readHttpConversationId(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string" && isHttpConversationId(value)) return value;
  if (typeof value === "string" && value.includes(":")) {
    throw new AppError(
      "conversationId names a chat-platform conversation (LINE, Discord): those continue only on their platform. " +
        "Omit conversationId to start a conversation, or send back the id this API gave you",
      "bad_request",
    );
  }
  throw new AppError("conversationId must be 1–128 letters, digits or _.-", "bad_request");
}

/** The pipeline's own check: a conversation id must belong to the namespace of the platform asking. */
export function assertConversationNamespace(platform: Platform, conversationId: string): void {
  const prefix = PLATFORM_NAMESPACES[platform];
  if (!prefix) {
    readHttpConversationId(conversationId);
    return;
  }
  if (!conversationId.startsWith(prefix) || conversationId.length > 256) {
    throw new AppError(`a ${platform} conversation id must start with ${prefix}`, "bad_request");
  }
}
