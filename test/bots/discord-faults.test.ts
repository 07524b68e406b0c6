/**
 * Discord answering 429 and 5xx: the real discord.js Client retries (waiting out retry_after), and
 * every post carries an enforced nonce, so the answer arrives exactly once even when Discord stored
 * a message and then failed to say so. Scripted answers against a fake Discord on 127.0.0.1.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type RunningBots, startBots } from "../../src/bots/index.ts";
import { REPLIES } from "../../src/bots/replies.ts";
import { createLogger } from "../../src/log.ts";
import { type FakeDiscord, type RecordedRequest, startFakeDiscord } from "../helpers/fake-discord.ts";
import { ScriptedTraces, scriptedChat } from "./scripted-chat.ts";

const MESSAGES = /^\/channels\/\d+\/messages$/;

describe("Discord under 429 and 5xx", () => {
  let fake: FakeDiscord | undefined;
  let bots: RunningBots | undefined;
  afterEach(async () => {
    await bots?.stop();
    await fake?.close();
    bots = undefined;
    fake = undefined;
  });

  async function start(pieces: string[]): Promise<FakeDiscord> {
    const logs: string[] = [];
    const traces = new ScriptedTraces();
    fake = await startFakeDiscord();
    bots = await startBots({
      chat: scriptedChat(pieces, 5, traces).chat,
      traces,
      conversations: { reset: async () => 0 },
      logger: createLogger({ level: "debug", write: (line) => logs.push(line) }),
      discord: { token: fake.token, apiBaseUrl: fake.apiBaseUrl, editIntervalMs: 50 },
    });
    await fake.waitUntil(
      () => logs.some((line) => line.includes("Discord bot connected")),
      15_000,
      "connect",
    );
    return fake;
  }

  async function finished(discord: FakeDiscord, channelId: string) {
    await discord.waitUntil(
      () => discord.botMessages(channelId).at(-1)?.contents.at(-1)?.includes("📚") === true,
      20_000,
      "the final answer",
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
  }

  const posts = (discord: FakeDiscord, channelId: string): RecordedRequest[] =>
    discord.requests.filter(
      (request) => request.method === "POST" && request.path === `/channels/${channelId}/messages`,
    );

  it("waits out a 429's retry_after, then posts the answer once", async () => {
    const discord = await start(["期中考佔 30%。"]);
    discord.faults.push({
      method: "POST",
      path: MESSAGES,
      status: 429,
      body: { message: "You are being rate limited.", retry_after: 0.4, global: false },
      headers: { "retry-after": "0.4", "x-ratelimit-scope": "user" },
    });
    const channelId = discord.nextId();
    discord.userMessage({ channelId, content: "期中考怎麼算？" });
    await finished(discord, channelId);

    const [refused, accepted, ...more] = posts(discord, channelId);
    expect(more).toHaveLength(0);
    expect(refused!.status).toBe(429);
    expect(accepted!.status).toBe(200);
    expect(accepted!.at - refused!.at).toBeGreaterThanOrEqual(350);
    expect(accepted!.body).toMatchObject({ nonce: refused!.body!.nonce, enforce_nonce: true });
    const messages = discord.botMessages(channelId);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.contents[0]).toBe(REPLIES.thinking);
    expect(messages[0]!.contents.at(-1)).toMatch(/^期中考佔 30%。/);
  });

  it("a 500 after Discord stored the reply and a follow-up is retried with the same nonce: each shows once", async () => {
    // Long enough for a follow-up message past 2,000 characters.
    const paragraph = "學習率太大時，損失會震盪甚至發散；太小則收斂很慢。".repeat(20);
    const pieces = [paragraph, `\n\n${paragraph}`, `\n\n${paragraph}`, `\n\n${paragraph}`];
    const discord = await start(pieces);
    const stored = { message: "500: Internal Server Error", code: 0 };
    discord.faults.push(
      { method: "POST", path: MESSAGES, status: 500, body: stored, afterWrite: true },
      // The follow-up is the post that does not reply to the question.
      {
        method: "POST",
        path: MESSAGES,
        when: (body) => body.message_reference === undefined,
        status: 502,
        body: stored,
        afterWrite: true,
      },
    );
    const channelId = discord.nextId();
    discord.userMessage({ channelId, content: "學習率怎麼選？" });
    await finished(discord, channelId);

    const attempts = posts(discord, channelId);
    expect(attempts.map((attempt) => attempt.status)).toEqual([500, 200, 502, 200]);
    const nonces = attempts.map((attempt) => attempt.body?.nonce);
    expect(nonces[0]).toBe(nonces[1]);
    expect(nonces[2]).toBe(nonces[3]);
    expect(nonces[0]).not.toBe(nonces[2]);
    for (const attempt of attempts) {
      expect(attempt.body?.enforce_nonce).toBe(true);
      expect(String(attempt.body?.nonce).length).toBeLessThanOrEqual(25);
    }
    const messages = discord.botMessages(channelId);
    expect(messages).toHaveLength(2);
    const text = messages.map((message) => message.contents.at(-1)!).join("\n\n");
    expect(text.split(paragraph).length - 1).toBe(4);
  });

  it("a 500 before anything was stored is retried and the answer arrives once", async () => {
    const discord = await start(["作業可以遲交一天。"]);
    discord.faults.push({ method: "POST", path: MESSAGES, status: 500 });
    const channelId = discord.nextId();
    discord.userMessage({ channelId, content: "作業可以遲交嗎？" });
    await finished(discord, channelId);
    expect(posts(discord, channelId).map((attempt) => attempt.status)).toEqual([500, 200]);
    const messages = discord.botMessages(channelId);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.contents.at(-1)).toMatch(/^作業可以遲交一天。/);
  });
});
