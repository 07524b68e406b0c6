/**
 * Stable conversation ids derived from where a message was said (pure). They must match
 * /^[A-Za-z0-9_.:-]{1,128}$/ like every conversation id; platform ids already do, and anything
 * else is replaced so a strange id can never break the store's filters.
 */

function clean(id: string): string {
  return id.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 48) || "unknown";
}

export type DiscordPlace =
  | { kind: "dm"; channelId: string }
  | { kind: "thread"; threadId: string }
  | { kind: "channel"; channelId: string; userId: string };

/** A DM and a thread are one conversation each; in a channel, each user talks with the bot on their own. */
export function discordConversationId(place: DiscordPlace): string {
  switch (place.kind) {
    case "dm":
      return `discord:dm:${clean(place.channelId)}`;
    case "thread":
      return `discord:thread:${clean(place.threadId)}`;
    case "channel":
      return `discord:channel:${clean(place.channelId)}:user:${clean(place.userId)}`;
  }
}

export type LinePlace =
  | { kind: "user"; userId: string }
  | { kind: "group"; groupId: string; userId: string }
  | { kind: "room"; roomId: string; userId: string };

/** A 1:1 chat is one conversation; in groups and rooms each member has their own. */
export function lineConversationId(place: LinePlace): string {
  switch (place.kind) {
    case "user":
      return `line:user:${clean(place.userId)}`;
    case "group":
      return `line:group:${clean(place.groupId)}:user:${clean(place.userId)}`;
    case "room":
      return `line:room:${clean(place.roomId)}:user:${clean(place.userId)}`;
  }
}
