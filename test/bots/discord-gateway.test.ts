/**
 * The real discord.js Client against a fake Discord on 127.0.0.1, answering with the real service
 * (tiny generated models, real LanceDB stores).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type BotsOptions, type RunningBots, startBots } from "../../src/bots/index.ts";
import { REPLIES } from "../../src/bots/replies.ts";
import type { Trace } from "../../src/types.ts";
import { type FakeDiscord, type FakeMessage, startFakeDiscord } from "../helpers/fake-discord.ts";
import { startTestService, type TestService } from "../helpers/service.ts";

const STUDENT = "900000000000000001";

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("Discord gateway bot", () => {
  let service: TestService;
  let fake: FakeDiscord;
  let bots: RunningBots | undefined;

  beforeAll(async () => {
    service = await startTestService();
  });
  afterAll(async () => {
    await service?.close();
  });
  afterEach(async () => {
    await bots?.stop();
    bots = undefined;
    await fake?.close();
  });

  async function start(overrides: Partial<BotsOptions> = {}) {
    fake = await startFakeDiscord();
    const connectedBefore = connectedCount();
    bots = await startBots({
      chat: service.service.chat,
      traces: service.service.traces,
      conversations: service.service.conversations,
      logger: service.service.logger,
      discord: { token: fake.token, apiBaseUrl: fake.apiBaseUrl, editIntervalMs: 100 },
      retry: { initialMs: 50, maxMs: 200 },
      ...overrides,
    });
    return connectedBefore;
  }

  function connectedCount(): number {
    return service.logs.filter((line) => line.includes("Discord bot connected")).length;
  }

  async function waitConnected(before: number) {
    await fake.waitUntil(() => connectedCount() > before, 15_000, "the bot to connect");
  }

  const isFinal = (message: FakeMessage) => {
    const last = message.contents.at(-1) ?? "";
    return last !== REPLIES.thinking && !last.endsWith(REPLIES.stillWriting);
  };

  async function finalAnswer(channelId: string, after = 0): Promise<FakeMessage[]> {
    await fake.waitUntil(
      () => {
        const messages = fake.botMessages(channelId).slice(after);
        return messages.length > 0 && messages.every(isFinal);
      },
      30_000,
      `a final answer in channel ${channelId}`,
    );
    return fake.botMessages(channelId).slice(after);
  }

  async function traceOf(conversationId: string): Promise<Trace> {
    let trace: Trace | undefined;
    await eventually(async () => {
      trace = (await service.service.traces.list({ conversationId }))[0];
      return !!trace && trace.status !== "running";
    }, `a finished trace for ${conversationId}`);
    return trace!;
  }

  async function feedbackOf(traceId: string, expected: string) {
    await eventually(
      async () => (await service.service.traces.get(traceId))?.feedback === expected,
      `feedback ${expected}`,
    );
  }

  it("answers a DM: placeholder at once, typing, final text, no edits after it, the asker's reactions, reset", async () => {
    await waitConnected(await start());
    const channelId = fake.nextId();
    const questionId = fake.userMessage({ channelId, content: "期中考怎麼算分？" });
    const [reply] = await finalAnswer(channelId);
    const conversationId = `discord:dm:${channelId}`;
    const trace = await traceOf(conversationId);
    expect(trace.platform).toBe("discord");
    expect(trace.userId).toBe(STUDENT);

    expect(reply!.replyTo).toBe(questionId);
    expect(reply!.contents[0]).toBe(REPLIES.thinking);
    const final = reply!.contents.at(-1)!;
    expect(final.startsWith(trace.answer.trim() || REPLIES.emptyAnswer)).toBe(true);
    // How many intermediate edits the tiny model causes depends on its speed; their throttling and
    // "still writing" marker are proven with scripted answers in discord-streaming.test.ts.
    const typing = fake.requests.findIndex((request) => request.path === `/channels/${channelId}/typing`);
    const placeholder = fake.requests.findIndex(
      (request) => request.path === `/channels/${channelId}/messages`,
    );
    expect(typing).toBeGreaterThan(placeholder);
    // Edits stop once the final text is shown.
    const edits = fake.requests.filter((request) => request.method === "PATCH");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.requests.filter((request) => request.method === "PATCH")).toHaveLength(edits.length);
    // Nothing the bot posts can ping anyone.
    const bodies = fake.requests.filter(
      (request) => request.method !== "GET" && request.body?.content !== undefined,
    );
    for (const request of bodies) expect(request.body?.allowed_mentions).toMatchObject({ parse: [] });

    fake.react({ messageId: reply!.id, channelId, userId: STUDENT, emoji: "👍" });
    await feedbackOf(trace.id, "up");
    // Only the student who asked may vote: anyone else's reaction is ignored.
    fake.react({ messageId: reply!.id, channelId, userId: "900000000000000002", emoji: "👎" });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await service.service.traces.get(trace.id))?.feedback).toBe("up");
    fake.react({ messageId: reply!.id, channelId, userId: STUDENT, emoji: "👎🏽" });
    await feedbackOf(trace.id, "down");

    expect(await service.service.conversations.history(conversationId)).toHaveLength(2);
    fake.userMessage({ channelId, content: "重新開始" });
    await fake.waitUntil(() => fake.botMessages(channelId).length === 2, 15_000, "the reset reply");
    expect(fake.botMessages(channelId)[1]!.contents).toEqual([REPLIES.reset]);
    expect(await service.service.conversations.history(conversationId)).toHaveLength(0);
  });

  it("in a guild, answers mentions and its own threads only, per user; ignores bots", async () => {
    await waitConnected(await start());
    const guildId = fake.nextId();
    const channelId = fake.nextId();
    const ownThread = fake.nextId();
    const otherThread = fake.nextId();
    fake.addGuild({
      id: guildId,
      channels: [channelId],
      threads: [
        { id: ownThread, parentId: channelId, ownerId: fake.botUser.id },
        { id: otherThread, parentId: channelId, ownerId: STUDENT },
      ],
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    fake.userMessage({ channelId, guildId, content: "大家好，今天要上課嗎？" });
    fake.userMessage({ channelId: otherThread, guildId, content: "這題怎麼寫" });
    fake.userMessage({
      channelId,
      guildId,
      content: `<@${fake.botUser.id}> 你好`,
      mentionsBot: true,
      author: { id: "900000000000000099", bot: true },
    });
    fake.userMessage({
      channelId,
      guildId,
      content: `<@${fake.botUser.id}> 作業可以遲交嗎？`,
      mentionsBot: true,
    });
    fake.userMessage({
      channelId: ownThread,
      guildId,
      content: "那期末考呢？<@900000000000000077> 也想問 <@&900000000000000088>",
    });

    await finalAnswer(channelId);
    await finalAnswer(ownThread);
    const channelTrace = await traceOf(`discord:channel:${channelId}:user:${STUDENT}`);
    expect(channelTrace.question).toBe("作業可以遲交嗎？");
    // A classmate's id (and a role's) never reaches the trace or the history.
    expect((await traceOf(`discord:thread:${ownThread}`)).question).toBe("那期末考呢？@同學 也想問 @身分組");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.botMessages(channelId)).toHaveLength(1); // the bot's message and the unmentioned one got nothing
    expect(fake.botMessages(otherThread)).toHaveLength(0);
  });

  it("rate-limits per user with a friendly reply, and the limit survives a gateway reconnect", async () => {
    await waitConnected(await start({ rateLimit: { burst: 1, perMinute: 1 } }));
    const channelId = fake.nextId();
    fake.userMessage({ channelId, content: "第一題：期中考範圍？" });
    await finalAnswer(channelId);

    const resumesBefore = fake.gateway.resumes;
    fake.forceReconnect();
    await fake.waitUntil(() => fake.gateway.resumes > resumesBefore, 15_000, "the gateway to resume");
    fake.userMessage({ channelId, content: "第二題：期末考範圍？" });
    await fake.waitUntil(() => fake.botMessages(channelId).length === 2, 15_000, "the rate-limit reply");
    expect(fake.botMessages(channelId)[1]!.contents[0]).toMatch(/你問得好快.*後再問下一題/);
  });

  it("keeps retrying a revoked token with backoff, never logs it, then registers /ask and answers it", async () => {
    fake = await startFakeDiscord();
    fake.rejectToken = true;
    const before = connectedCount();
    const failuresBefore = service.logs.filter((line) => line.includes("Discord login failed")).length;
    bots = await startBots({
      chat: service.service.chat,
      traces: service.service.traces,
      conversations: service.service.conversations,
      logger: service.service.logger,
      discord: {
        token: fake.token,
        applicationId: fake.applicationId,
        apiBaseUrl: fake.apiBaseUrl,
        editIntervalMs: 100,
      },
      retry: { initialMs: 50, maxMs: 200 },
    });
    const failures = () =>
      service.logs.filter((line) => line.includes("Discord login failed")).length - failuresBefore;
    await fake.waitUntil(() => failures() >= 2, 15_000, "two failed logins");
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    fake.rejectToken = false;
    await waitConnected(before);
    expect(service.logs.some((line) => line.includes(fake.token))).toBe(false);

    const registration = await fake.waitFor((request) => request.method === "PUT");
    expect(registration.path).toBe(`/applications/${fake.applicationId}/commands`);
    expect((registration.body as unknown as { name: string }[]).map((command) => command.name)).toEqual([
      "ask",
      "reset",
      "human",
    ]);

    const channelId = fake.nextId();
    const interactionToken = `interaction-token-${fake.nextId()}`;
    fake.dispatch("INTERACTION_CREATE", {
      id: fake.nextId(),
      application_id: fake.applicationId,
      type: 2,
      token: interactionToken,
      version: 1,
      channel_id: channelId,
      channel: { id: channelId, type: 1 },
      user: { id: STUDENT, username: "student", discriminator: "0", avatar: null, global_name: "student" },
      data: {
        id: fake.nextId(),
        name: "ask",
        type: 1,
        options: [{ name: "question", type: 3, value: "加退選期限？" }],
      },
      locale: "zh-TW",
      app_permissions: "0",
      entitlements: [],
      authorizing_integration_owners: {},
      attachment_size_limit: 10_000_000,
    });
    const [original] = await finalAnswer(`webhook-${interactionToken}`);
    const callback = fake.requests.findIndex((request) =>
      request.path.endsWith(`/${interactionToken}/callback`),
    );
    expect(fake.requests[callback]!.body).toMatchObject({ type: 5 });
    const trace = await traceOf(`discord:dm:${channelId}`);
    expect(trace.question).toBe("加退選期限？");
    expect(original!.contents.at(-1)!.startsWith(trace.answer.trim() || REPLIES.emptyAnswer)).toBe(true);
  });

  it("treats a token refused at IDENTIFY (close 4004) and an unreachable API as retryable, logged without the token", async () => {
    fake = await startFakeDiscord();
    const wrongToken = "revoked-token-0123456789abcdef";
    const unreachable = await startFakeDiscord();
    const closedApi = unreachable.apiBaseUrl;
    await unreachable.close(); // nothing listens there any more: like no network
    const before = service.logs.length;
    const botsA = await startBots({
      chat: service.service.chat,
      traces: service.service.traces,
      conversations: service.service.conversations,
      logger: service.service.logger,
      discord: { token: wrongToken, apiBaseUrl: fake.apiBaseUrl },
      retry: { initialMs: 50, maxMs: 200 },
    });
    const botsB = await startBots({
      chat: service.service.chat,
      traces: service.service.traces,
      conversations: service.service.conversations,
      logger: service.service.logger,
      discord: { token: wrongToken, apiBaseUrl: closedApi },
      retry: { initialMs: 50, maxMs: 200 },
    });
    try {
      const logs = () => service.logs.slice(before).filter((line) => line.includes("Discord login failed"));
      await fake.waitUntil(
        () => logs().filter((line) => line.includes("4004 (authentication failed")).length >= 2,
        15_000,
        "two refused identifies",
      );
      await fake.waitUntil(
        () => logs().filter((line) => !line.includes("4004")).length >= 2,
        30_000,
        "two network failures",
      );
      expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
      expect(service.logs.some((line) => line.includes(wrongToken))).toBe(false);
    } finally {
      await botsA.stop();
      await botsB.stop();
    }
  });
});
