import { sign } from "node:crypto";
import { describe, expect, it } from "vitest";
import { backoffDelay } from "../../src/bots/backoff.ts";
import { discordConversationId, lineConversationId } from "../../src/bots/conversation-ids.ts";
import { commandPlace } from "../../src/bots/discord/commands.ts";
import {
  isFreshDiscordTimestamp,
  parseDiscordPublicKey,
  verifyDiscordSignature,
} from "../../src/bots/discord/signature.ts";
import { retryAfterMs } from "../../src/bots/line/deliver.ts";
import { addressedText } from "../../src/bots/line/events.ts";
import { feedbackData, markdownToPlain, parseFeedback } from "../../src/bots/line/messages.ts";
import { errorReply, isResetCommand, rateLimitedReply } from "../../src/bots/replies.ts";
import { maskSecrets } from "../../src/bots/safe-log.ts";
import { discordKeyPair } from "../helpers/fake-discord.ts";

const CONVERSATION_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

describe("conversation ids", () => {
  it("derive stable, valid ids from the platform context", () => {
    const ids = [
      discordConversationId({ kind: "dm", channelId: "111" }),
      discordConversationId({ kind: "thread", threadId: "222" }),
      discordConversationId({ kind: "channel", channelId: "333", userId: "444" }),
      lineConversationId({ kind: "user", userId: "U1234" }),
      lineConversationId({ kind: "group", groupId: "Cabc", userId: "U1" }),
      lineConversationId({ kind: "room", roomId: "Rabc", userId: "U1" }),
    ];
    expect(ids).toEqual([
      "discord:dm:111",
      "discord:thread:222",
      "discord:channel:333:user:444",
      "line:user:U1234",
      "line:group:Cabc:user:U1",
      "line:room:Rabc:user:U1",
    ]);
    for (const id of ids) expect(id).toMatch(CONVERSATION_ID);
    expect(lineConversationId({ kind: "user", userId: "a b/c'd" })).toMatch(CONVERSATION_ID);
  });

  it("place slash commands like messages", () => {
    expect(commandPlace({ guildId: undefined, channelId: "1", channelType: 1, userId: "u" })).toEqual({
      kind: "dm",
      channelId: "1",
    });
    expect(commandPlace({ guildId: "g", channelId: "2", channelType: 11, userId: "u" })).toEqual({
      kind: "thread",
      threadId: "2",
    });
    expect(commandPlace({ guildId: "g", channelId: "3", channelType: 0, userId: "u" })).toEqual({
      kind: "channel",
      channelId: "3",
      userId: "u",
    });
  });
});

describe("fixed replies", () => {
  it("recognise reset commands and nothing else", () => {
    for (const text of ["/reset", "reset", "Reset!", "重新開始", "「重新開始」", "清除", " 清除。"]) {
      expect(isResetCommand(text), text).toBe(true);
    }
    for (const text of ["reset 是什麼意思", "請清除我的作業", "重新開始 的英文"]) {
      expect(isResetCommand(text), text).toBe(false);
    }
  });

  it("say how long to wait and never show raw errors", () => {
    expect(rateLimitedReply(12_300)).toContain("13 秒");
    expect(rateLimitedReply(90_000)).toContain("2 分鐘");
    expect(errorReply("internal")).not.toMatch(/internal|Error/);
  });
});

describe("Discord signature", () => {
  const { privateKey, publicKeyHex: raw } = discordKeyPair();
  const key = parseDiscordPublicKey(raw);
  const body = new TextEncoder().encode('{"type":1}');
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = sign(null, Buffer.concat([Buffer.from(timestamp), body]), privateKey).toString("hex");

  it("accepts a valid signature and refuses a tampered one", () => {
    expect(verifyDiscordSignature(key, signature, timestamp, body)).toBe(true);
    expect(verifyDiscordSignature(key, signature, String(Number(timestamp) + 1), body)).toBe(false);
    expect(verifyDiscordSignature(key, signature, timestamp, new TextEncoder().encode('{"type":2}'))).toBe(
      false,
    );
    expect(verifyDiscordSignature(key, null, timestamp, body)).toBe(false);
    expect(verifyDiscordSignature(key, "zz", timestamp, body)).toBe(false);
  });

  it("accepts timestamps from 5 minutes old to 1 minute ahead, and nothing else", () => {
    const now = 1_800_000_000_000;
    const at = (offsetSeconds: number) => String(now / 1000 + offsetSeconds);
    expect(isFreshDiscordTimestamp(at(0), now)).toBe(true);
    expect(isFreshDiscordTimestamp(at(-300), now)).toBe(true);
    expect(isFreshDiscordTimestamp(at(-301), now)).toBe(false);
    expect(isFreshDiscordTimestamp(at(60), now)).toBe(true);
    expect(isFreshDiscordTimestamp(at(61), now)).toBe(false);
    for (const bad of [null, "", "abc", "1.5e9", "-1", `${at(0)}0000`])
      expect(isFreshDiscordTimestamp(bad, now), String(bad)).toBe(false);
  });

  it("refuses a malformed key with a clear message", () => {
    expect(() => parseDiscordPublicKey("not-a-key")).toThrow(/DISCORD_PUBLIC_KEY/);
  });
});

describe("LINE helpers", () => {
  const text = (value: string, mentionees: object[] = []) =>
    ({ type: "text", id: "m", text: value, quoteToken: "q", mention: { mentionees } }) as never;

  it("answer every 1:1 message, and in groups only mentions or the prefix", () => {
    expect(addressedText(text("期中考？"), false, { groupPrefix: "/ask" })).toBe("期中考？");
    expect(addressedText(text("大家好"), true, { groupPrefix: "/ask" })).toBeNull();
    expect(addressedText(text("/ask 期中考？"), true, { groupPrefix: "/ask" })).toBe("期中考？");
    const mention = { type: "user", index: 0, length: 4, isSelf: true };
    expect(addressedText(text("@助教 期中考？", [mention]), true, { groupPrefix: "/ask" })).toBe("期中考？");
    const other = { type: "user", index: 0, length: 3, userId: "U2" };
    expect(addressedText(text("@小明 你好", [other]), true, { groupPrefix: "/ask" })).toBeNull();
    const byId = { type: "user", index: 3, length: 3, userId: "Ubot" };
    expect(addressedText(text("請問 @TA 作業", [byId]), true, { groupPrefix: "", botUserId: "Ubot" })).toBe(
      "請問  作業",
    );
  });

  it("round-trip feedback postbacks", () => {
    expect(parseFeedback(feedbackData("trace-1", "down"))).toEqual({ traceId: "trace-1", vote: "down" });
    expect(parseFeedback("feedback=maybe&trace=x")).toBeNull();
    expect(feedbackData("0b5e5a4e-4f3c-4a51-9d1e-0c3c2b7d8e9f", "up").length).toBeLessThan(300);
  });

  it("strip markdown LINE cannot show, but keep code", () => {
    expect(markdownToPlain("## 標題\n**重點** 見 [大綱](<https://x.y/a>)\n```\n**code**\n```")).toBe(
      "標題\n重點 見 大綱（https://x.y/a）\n```\n**code**\n```",
    );
  });
});

describe("backoff and masking", () => {
  it("grows exponentially with jitter up to the cap", () => {
    expect(backoffDelay(0, {}, () => 0.5)).toBe(1000);
    expect(backoffDelay(3, {}, () => 0.5)).toBe(8000);
    expect(backoffDelay(40, { maxMs: 60_000 }, () => 1)).toBe(72_000);
  });

  it("reads Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterMs("2", now)).toBe(2000);
    expect(retryAfterMs("0.5", now)).toBe(500);
    expect(retryAfterMs("Thu, 01 Jan 2026 00:00:03 GMT", now)).toBe(3000);
    expect(retryAfterMs("Wed, 31 Dec 2025 23:59:00 GMT", now)).toBe(0);
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(retryAfterMs("soon", now)).toBeUndefined();
  });

  it("masks secrets and interaction tokens", () => {
    const masked = maskSecrets("token abcd1234 at /webhooks/123/aW50ZXJhY3Rpb24.token/messages", [
      "abcd1234",
    ]);
    expect(masked).toBe("token *** at /webhooks/123/***/messages");
  });
});
