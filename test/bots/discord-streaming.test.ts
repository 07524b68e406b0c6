/**
 * Streaming and splitting with the real discord.js Client and a fake Discord, fed by a scripted
 * chat whose timing and length the test controls (the tiny model's answers are short).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type RunningBots, startBots } from "../../src/bots/index.ts";
import { REPLIES } from "../../src/bots/replies.ts";
import type { ChatService } from "../../src/chat/index.ts";
import { createLogger } from "../../src/log.ts";
import { type FakeDiscord, startFakeDiscord } from "../helpers/fake-discord.ts";
import { ScriptedTraces, scriptedChat } from "./scripted-chat.ts";

describe("Discord streaming (scripted answers)", () => {
  let fake: FakeDiscord | undefined;
  let bots: RunningBots | undefined;
  let traces = new ScriptedTraces();
  afterEach(async () => {
    await bots?.stop();
    await fake?.close();
    bots = undefined;
    fake = undefined;
    traces = new ScriptedTraces();
  });

  async function start(chat: ChatService, editIntervalMs: number, options: { stateFile?: string } = {}) {
    const logs: string[] = [];
    fake = await startFakeDiscord();
    bots = await startBots({
      chat,
      traces,
      conversations: { reset: async () => 0 },
      logger: createLogger({ level: "debug", write: (line) => logs.push(line) }),
      discord: { token: fake.token, apiBaseUrl: fake.apiBaseUrl, editIntervalMs },
      stateFile: options.stateFile,
    });
    await fake.waitUntil(
      () => logs.some((line) => line.includes("Discord bot connected")),
      15_000,
      "connect",
    );
    return fake;
  }

  it("edits about once per interval while text arrives, then stops at the final text", async () => {
    const pieces = Array.from({ length: 30 }, (_, index) => `第${index + 1}句。`);
    const discord = await start(scriptedChat(pieces, 20, traces).chat, 150);
    const channelId = discord.nextId();
    discord.userMessage({ channelId, content: "評分方式？" });
    await discord.waitUntil(
      () => discord.botMessages(channelId)[0]?.contents.at(-1)?.includes("📚") === true,
      15_000,
      "the final text",
    );
    await new Promise((resolve) => setTimeout(resolve, 400));
    const [message] = discord.botMessages(channelId);
    const contents = message!.contents;
    const streamed = contents.slice(1, -1);
    // 30 pieces over ~600 ms with a 150 ms interval: a handful of edits, not 30.
    expect(streamed.length).toBeGreaterThanOrEqual(2);
    expect(streamed.length).toBeLessThanOrEqual(8);
    let previous = "";
    for (const content of streamed) {
      expect(content.endsWith(REPLIES.stillWriting)).toBe(true);
      const text = content.slice(0, -REPLIES.stillWriting.length);
      expect(text.startsWith(previous)).toBe(true);
      previous = text;
    }
    expect(contents.at(-1)).toBe(
      `${pieces.join("")}\n\n📚 相關課程資料\n[1] [課程大綱 · 評分](<https://example.edu/syllabus#1>)\n[2] [課程大綱 · 作業](<https://example.edu/syllabus#2>)`,
    );
    const edits = discord.requests.filter((request) => request.method === "PATCH");
    for (let index = 1; index < edits.length; index++) {
      expect(edits[index]!.at - edits[index - 1]!.at).toBeGreaterThanOrEqual(100);
    }
  });

  it("continues answers over 2,000 characters in follow-ups, never inside code or a citation", async () => {
    const paragraph = `${"學習率太大時，損失會震盪甚至發散；太小則收斂很慢。".repeat(22)}[1][2]`;
    const code = `\`\`\`python\n${Array.from({ length: 25 }, (_, index) => `lr = 0.${index + 1}  # 試試看`).join("\n")}\n\`\`\``;
    const answer = [paragraph, paragraph, code, paragraph, paragraph, paragraph, code, paragraph].join(
      "\n\n",
    );
    expect(answer.length).toBeGreaterThan(4000);
    const pieces = answer.match(/[\s\S]{1,200}/g)!;
    const discord = await start(scriptedChat(pieces, 5, traces).chat, 50);
    const channelId = discord.nextId();
    discord.userMessage({ channelId, content: "學習率怎麼選？" });
    await discord.waitUntil(
      () => discord.botMessages(channelId).at(-1)?.contents.at(-1)?.includes("📚 來源") === true,
      15_000,
      "the last part",
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const finals = discord.botMessages(channelId).map((message) => message.contents.at(-1)!);
    expect(finals.length).toBeGreaterThanOrEqual(3);
    for (const text of finals) {
      expect(text.length).toBeLessThanOrEqual(2000);
      expect((text.match(/```/g) ?? []).length % 2).toBe(0);
      expect(text.endsWith(REPLIES.stillWriting)).toBe(false);
    }
    const joined = finals.join("\n\n");
    expect(joined.split(code).length - 1).toBe(2); // both code blocks arrive whole
    expect(joined.split("[1][2]").length - 1).toBe(6); // every citation pair intact
    expect(joined.replace(/\s/g, "").startsWith(answer.replace(/\s/g, ""))).toBe(true);
    // The first part is the reply; the rest are follow-ups in the same channel.
    const [first, ...rest] = discord.botMessages(channelId);
    expect(first!.replyTo).toBeDefined();
    for (const message of rest) expect(message.replyTo).toBeUndefined();
  });

  it("counts a reaction on an answer given before a restart (state file)", async () => {
    const folder = mkdtempSync(join(tmpdir(), "bot-state-"));
    try {
      const stateFile = join(folder, "bot-state.jsonl");
      const discord = await start(scriptedChat(["答案。"], 5, traces).chat, 50, { stateFile });
      const channelId = discord.nextId();
      discord.userMessage({ channelId, content: "問題？" });
      await discord.waitUntil(
        () => discord.botMessages(channelId)[0]?.contents.at(-1)?.includes("📚") === true,
        15_000,
        "the answer",
      );
      await bots!.stop();
      bots = await startBots({
        chat: scriptedChat([], 0).chat,
        traces,
        conversations: { reset: async () => 0 },
        logger: createLogger({ level: "error", write: () => {} }),
        discord: { token: discord.token, apiBaseUrl: discord.apiBaseUrl },
        stateFile,
      });
      await discord.waitUntil(() => discord.gateway.identifies >= 2, 15_000, "the second login");
      await new Promise((resolve) => setTimeout(resolve, 100));
      const [answer] = discord.botMessages(channelId);
      discord.react({ messageId: answer!.id, channelId, userId: "900000000000000001", emoji: "👍" });
      await discord.waitUntil(() => traces.votes.length > 0, 15_000, "the vote");
      expect(traces.votes).toEqual([["trace-1", "up"]]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("counts 👍 / 👎 only from the student who asked, not from classmates in the channel", async () => {
    const discord = await start(scriptedChat(["答案。"], 5, traces).chat, 50);
    const guildId = discord.nextId();
    const channelId = discord.nextId();
    discord.addGuild({ id: guildId, channels: [channelId] });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const asker = "900000000000000001";
    const classmate = "900000000000000002";
    discord.userMessage({
      channelId,
      guildId,
      content: `<@${discord.botUser.id}> 期中考幾點？`,
      mentionsBot: true,
      author: { id: asker },
    });
    await discord.waitUntil(
      () => discord.botMessages(channelId)[0]?.contents.at(-1)?.includes("📚") === true,
      15_000,
      "the answer",
    );
    const [answer] = discord.botMessages(channelId);
    discord.react({ messageId: answer!.id, channelId, guildId, userId: classmate, emoji: "👎" });
    discord.react({ messageId: answer!.id, channelId, guildId, userId: classmate, emoji: "👍🏻" });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(traces.votes).toEqual([]);
    discord.react({ messageId: answer!.id, channelId, guildId, userId: asker, emoji: "👍" });
    await discord.waitUntil(() => traces.votes.length > 0, 15_000, "the asker's vote");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(traces.votes).toEqual([["trace-1", "up"]]);
  });
});
