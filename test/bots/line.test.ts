/**
 * The LINE bot through the real HTTP app (POST /webhooks/line) and the real service, talking to a
 * fake LINE Messaging API on 127.0.0.1 through the real @line/bot-sdk client.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type LineBotConfig, type RunningBots, startBots } from "../../src/bots/index.ts";
import { parseFeedback } from "../../src/bots/line/messages.ts";
import { REPLIES } from "../../src/bots/replies.ts";
import type { Trace } from "../../src/types.ts";
import {
  type FakeLine,
  LINE_TEST_CHANNEL,
  type LineRequest,
  type LineResponse,
  linePostbackEvent,
  lineTextEvent,
  postLineWebhook,
  startFakeLine,
} from "../helpers/fake-line.ts";
import { startTestService, type TestService } from "../helpers/service.ts";

const SECRET = LINE_TEST_CHANNEL.channelSecret;
const ACCESS_TOKEN = LINE_TEST_CHANNEL.channelAccessToken;
const STUDENT = "Ustudent000000000000000000000001";

type TextMessage = {
  type: string;
  text: string;
  quoteToken?: string;
  quickReply?: { items: { action: { data: string } }[] };
};
const messagesOf = (request: LineRequest) => (request.body?.messages ?? []) as TextMessage[];

describe("LINE bot", () => {
  let service: TestService;
  let fake: FakeLine;
  let bots: RunningBots | undefined;

  beforeAll(async () => {
    service = await startTestService();
  });
  afterAll(async () => {
    await service?.close();
  });
  afterEach(async () => {
    delete service.service.webhooks.line;
    await bots?.stop();
    bots = undefined;
    await fake?.close();
  });

  async function start(
    line: Partial<LineBotConfig> = {},
    rateLimit?: { burst: number; perMinute: number },
    stateFile?: string,
  ) {
    fake = await startFakeLine();
    await startBotsOnFake(line, rateLimit, stateFile);
  }

  /** Starts the bots against the running fake LINE (again, after bots.stop(), for restarts). */
  async function startBotsOnFake(
    line: Partial<LineBotConfig> = {},
    rateLimit?: { burst: number; perMinute: number },
    stateFile?: string,
  ) {
    bots = await startBots({
      chat: service.service.chat,
      traces: service.service.traces,
      conversations: service.service.conversations,
      logger: service.service.logger,
      line: { channelSecret: SECRET, channelAccessToken: ACCESS_TOKEN, apiBaseUrl: fake.baseUrl, ...line },
      rateLimit,
      retry: { initialMs: 50, maxMs: 200 },
      stateFile,
    });
    Object.assign(service.service.webhooks, bots.webhooks);
    await fake.waitUntil(
      () => fake.requests.some((request) => request.path === "/v2/bot/info"),
      5000,
      "bot info",
    );
    fake.requests.length = 0;
  }

  async function latestTrace(conversationId: string): Promise<Trace> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const [trace] = await service.service.traces.list({ conversationId });
      if (trace && trace.status !== "running") return trace;
      if (Date.now() > deadline) throw new Error(`no finished trace for ${conversationId}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  it("refuses a missing or bad X-Line-Signature with 401 and processes nothing", async () => {
    await start();
    const event = lineTextEvent("期中考範圍？");
    expect((await postLineWebhook(service.url, SECRET, [event], null)).status).toBe(401);
    expect((await postLineWebhook(service.url, "another-secret", [event])).status).toBe(401);
    expect((await postLineWebhook(service.url, SECRET, [event], "bm90IGEgc2lnbmF0dXJl")).status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.requests).toHaveLength(0);
  });

  it("answers a 1:1 question: 200 at once, loading animation, reply with 👍/👎 quick reply; redelivery is ignored", async () => {
    await start();
    const event = lineTextEvent("作業可以遲交嗎？");
    const response = await postLineWebhook(service.url, SECRET, [event]);
    const answeredAt = Date.now();
    expect(response.status).toBe(200);
    await fake.waitUntil(() => fake.replies().length === 1, 30_000, "the reply");
    const redelivered = { ...event, deliveryContext: { isRedelivery: true } };
    expect((await postLineWebhook(service.url, SECRET, [redelivered])).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 400));

    const [loading] = fake.requests.filter((request) => request.path === "/v2/bot/chat/loading/start");
    expect(loading?.body).toEqual({ chatId: STUDENT, loadingSeconds: 20 });
    const [reply] = fake.replies();
    expect(reply!.at).toBeGreaterThanOrEqual(answeredAt - 5);
    expect(reply!.body?.replyToken).toBe(event.replyToken);
    const messages = messagesOf(reply!);
    expect(messages.length).toBeGreaterThanOrEqual(1);
    expect(messages.length).toBeLessThanOrEqual(5);
    for (const message of messages) expect(message.text.length).toBeLessThanOrEqual(5000);
    const trace = await latestTrace(`line:user:${STUDENT}`);
    expect(trace.platform).toBe("line");
    expect(trace.question).toBe("作業可以遲交嗎？");
    const votes = messages.at(-1)!.quickReply!.items.map((item) => parseFeedback(item.action.data));
    expect(votes).toEqual([
      { traceId: trace.id, vote: "up" },
      { traceId: trace.id, vote: "down" },
      null, // the third asks for a person (test/staff/handoff-line.test.ts)
    ]);
    expect((messages.at(-1)!.quickReply!.items[2]!.action as { label?: string }).label).toBe("問真人助教");
    expect(fake.replies()).toHaveLength(1); // the redelivered event was not answered again
    expect(fake.pushes()).toHaveLength(0);

    // The 👍 postback stores feedback on the trace and is thanked.
    const upVote = messages.at(-1)!.quickReply!.items[0]!.action.data;
    await postLineWebhook(service.url, SECRET, [linePostbackEvent(upVote)]);
    await fake.waitUntil(() => fake.replies().length === 2, 15_000, "the thanks");
    expect((await service.service.traces.get(trace.id))?.feedback).toBe("up");
    expect(messagesOf(fake.replies()[1]!)[0]!.text).toBe(REPLIES.feedbackThanks);
  });

  it("does not answer a captured webhook replayed after a restart (seen events persist in BOT_STATE_FILE)", async () => {
    const folder = mkdtempSync(join(tmpdir(), "line-state-"));
    try {
      const stateFile = join(folder, "bot-state.jsonl");
      await start({}, undefined, stateFile);
      const userId = "Ureplay000000000000000000000001";
      const event = lineTextEvent("期中考幾點開始？", { userId });
      await postLineWebhook(service.url, SECRET, [event]);
      await fake.waitUntil(() => fake.deliveredReplies().length === 1, 30_000, "the answer");
      await latestTrace(`line:user:${userId}`);

      await bots!.stop();
      await startBotsOnFake({}, undefined, stateFile);
      // The same signed body again, as someone who captured it would send it.
      expect((await postLineWebhook(service.url, SECRET, [event])).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(fake.replies()).toHaveLength(0);
      expect(fake.pushes()).toHaveLength(0);
      expect(
        service.logs.some((line) => line.includes(`LINE event ${event.webhookEventId} seen before`)),
      ).toBe(true);
    } finally {
      await bots?.stop();
      bots = undefined;
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("does not answer an event older than the seen-event window (it could be a replay)", async () => {
    await start();
    const old = { ...lineTextEvent("還記得我嗎？"), timestamp: Date.now() - 25 * 60 * 60_000 };
    expect((await postLineWebhook(service.url, SECRET, [old])).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(fake.requests).toHaveLength(0);
    expect(service.logs.some((line) => line.includes(`LINE event ${old.webhookEventId} from`))).toBe(true);
  });

  it("past the reply deadline, replies 'still thinking' and pushes the answer", async () => {
    await start({ replyDeadlineMs: 50 });
    const userId = "Uslow00000000000000000000000001";
    await postLineWebhook(service.url, SECRET, [lineTextEvent("請解釋 top-p 取樣", { userId })]);
    await fake.waitUntil(() => fake.pushes().length === 1, 30_000, "the push");
    const [reply] = fake.replies();
    expect(messagesOf(reply!).map((message) => message.text)).toEqual([REPLIES.lineStillThinking]);
    const [push] = fake.pushes();
    expect(push!.at).toBeGreaterThan(reply!.at);
    expect(push!.body?.to).toBe(userId);
    expect(push!.headers["x-line-retry-key"]).toMatch(/^[0-9a-f-]{36}$/);
    const trace = await latestTrace(`line:user:${userId}`);
    expect(messagesOf(push!).at(-1)!.quickReply!.items[0]!.action.data).toContain(trace.id);
  });

  it("pushes when the reply token is unusable, but never after a 5xx (it may have arrived)", async () => {
    await start();
    fake.replyResponder = () => [400, { message: "Invalid reply token" }];
    await postLineWebhook(service.url, SECRET, [
      lineTextEvent("第一題", { userId: "Ua0000000000000000000000000000001" }),
    ]);
    await fake.waitUntil(() => fake.pushes().length === 1, 30_000, "the fallback push");

    fake.replyResponder = () => [500, { message: "Internal Server Error" }];
    await postLineWebhook(service.url, SECRET, [
      lineTextEvent("第二題", { userId: "Ua0000000000000000000000000000002" }),
    ]);
    await fake.waitUntil(() => fake.replies().length === 2, 30_000, "the failing reply");
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(fake.pushes()).toHaveLength(1);
  });

  it("retries a push refused with 429 (after its Retry-After) or 5xx with the same retry key, and delivers it once", async () => {
    await start({ replyDeadlineMs: 50 });
    const failures: LineResponse[] = [
      [429, { message: "Too Many Requests" }, { "retry-after": "2" }],
      [503, { message: "Service Unavailable" }],
    ];
    fake.pushResponder = () => failures.shift();
    const userId = "Uretry0000000000000000000000001";
    await postLineWebhook(service.url, SECRET, [lineTextEvent("請解釋 temperature", { userId })]);
    await fake.waitUntil(() => fake.deliveredPushes().length === 1, 30_000, "the retried push");
    const attempts = fake.pushes();
    expect(attempts.map((attempt) => attempt.status)).toEqual([429, 503, 200]);
    // Backoff alone would wait about 1 s; Retry-After asked for 2.
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(1950);
    expect(new Set(attempts.map((attempt) => attempt.headers["x-line-retry-key"])).size).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(fake.deliveredPushes()).toHaveLength(1);
    expect(fake.pushes()).toHaveLength(3);
  });

  it("a reply refused with 429 falls back to a push: the student gets the answer exactly once", async () => {
    await start();
    let replyCalls = 0;
    fake.replyResponder = () =>
      replyCalls++ === 0 ? [429, { message: "Too Many Requests" }, { "retry-after": "1" }] : undefined;
    const userId = "U4290000000000000000000000000001";
    await postLineWebhook(service.url, SECRET, [lineTextEvent("期末報告幾頁？", { userId })]);
    await fake.waitUntil(() => fake.deliveredPushes().length === 1, 30_000, "the fallback push");
    await new Promise((resolve) => setTimeout(resolve, 500));

    expect(fake.replies().map((request) => request.status)).toEqual([429]);
    expect(fake.deliveredReplies()).toHaveLength(0);
    const [push] = fake.deliveredPushes();
    expect(fake.pushes()).toHaveLength(1);
    expect(push!.body?.to).toBe(userId);
    expect(push!.headers["x-line-retry-key"]).toMatch(/^[0-9a-f-]{36}$/);
    const trace = await latestTrace(`line:user:${userId}`);
    expect(messagesOf(push!).map((message) => message.text)).not.toContain(REPLIES.lineStillThinking);
    expect(messagesOf(push!).at(-1)!.quickReply!.items[0]!.action.data).toContain(trace.id);
  });

  it("stores a 👍/👎 postback only from the student whose conversation the answer belongs to", async () => {
    await start();
    const asker = "Uasker000000000000000000000000001";
    const classmate = "Uclassmate0000000000000000000001";
    const groupId = "Cgroup0000000000000000000000002";
    await postLineWebhook(service.url, SECRET, [lineTextEvent("期中考可以帶計算機嗎？", { userId: asker })]);
    await fake.waitUntil(() => fake.replies().length === 1, 30_000, "the answer");
    const trace = await latestTrace(`line:user:${asker}`);
    const [upVote, downVote] = messagesOf(fake.replies()[0]!)
      .at(-1)!
      .quickReply!.items.map((item) => item.action.data);

    // Someone else's vote on this trace, the asker's vote sent from another conversation, and a
    // made-up trace id: none is stored, none is thanked.
    await postLineWebhook(service.url, SECRET, [
      linePostbackEvent(downVote!, classmate),
      linePostbackEvent(downVote!, classmate, groupId),
      linePostbackEvent(downVote!, asker, groupId),
      linePostbackEvent(upVote!.replace(trace.id, "no-such-trace"), asker),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await service.service.traces.get(trace.id))?.feedback).toBeUndefined();
    expect(fake.replies()).toHaveLength(1);

    await postLineWebhook(service.url, SECRET, [linePostbackEvent(upVote!, asker)]);
    await fake.waitUntil(() => fake.replies().length === 2, 15_000, "the thanks");
    expect((await service.service.traces.get(trace.id))?.feedback).toBe("up");
    expect(messagesOf(fake.replies()[1]!)[0]!.text).toBe(REPLIES.feedbackThanks);
  });

  it("in a group, answers only mentions or the prefix, per member, quoting the question", async () => {
    await start();
    const groupId = "Cgroup0000000000000000000000001";
    await postLineWebhook(service.url, SECRET, [lineTextEvent("大家明天見", { groupId })]);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(fake.requests).toHaveLength(0);

    const mention = lineTextEvent("@課程助教 期末考考什麼？", {
      groupId,
      mentionSelf: { index: 0, length: 5 },
    });
    await postLineWebhook(service.url, SECRET, [mention]);
    await fake.waitUntil(() => fake.replies().length === 1, 30_000, "the mention reply");
    const other = "Uother000000000000000000000000001";
    await postLineWebhook(service.url, SECRET, [
      lineTextEvent("/ask 可以用 ChatGPT 嗎？", { groupId, userId: other }),
    ]);
    await fake.waitUntil(() => fake.replies().length === 2, 30_000, "the prefix reply");

    expect((await latestTrace(`line:group:${groupId}:user:${STUDENT}`)).question).toBe("期末考考什麼？");
    expect((await latestTrace(`line:group:${groupId}:user:${other}`)).question).toBe("可以用 ChatGPT 嗎？");
    expect(messagesOf(fake.replies()[0]!)[0]!.quoteToken).toBe(mention.message.quoteToken);
    expect(fake.requests.some((request) => request.path === "/v2/bot/chat/loading/start")).toBe(false);
  });

  it("「清除」 starts over", async () => {
    await start();
    const userId = "Ureset0000000000000000000000001";
    await postLineWebhook(service.url, SECRET, [lineTextEvent("助教好", { userId })]);
    await fake.waitUntil(() => fake.replies().length === 1, 30_000, "the answer");
    await latestTrace(`line:user:${userId}`);
    const conversationId = `line:user:${userId}`;
    expect((await service.service.conversations.history(conversationId)).length).toBe(2);
    await postLineWebhook(service.url, SECRET, [lineTextEvent("清除", { userId })]);
    await fake.waitUntil(() => fake.replies().length === 2, 15_000, "the reset reply");
    expect(messagesOf(fake.replies()[1]!)[0]!.text).toBe(REPLIES.reset);
    expect(await service.service.conversations.history(conversationId)).toHaveLength(0);
  });

  it("rate-limits a user with a friendly reply", async () => {
    await start({}, { burst: 1, perMinute: 1 });
    const userId = "Urate00000000000000000000000001";
    await postLineWebhook(service.url, SECRET, [lineTextEvent("第一題", { userId })]);
    await fake.waitUntil(() => fake.replies().length === 1, 30_000, "the answer");
    await postLineWebhook(service.url, SECRET, [lineTextEvent("第二題", { userId })]);
    await fake.waitUntil(() => fake.replies().length === 2, 15_000, "the rate-limit reply");
    expect(messagesOf(fake.replies()[1]!)[0]!.text).toMatch(/你問得好快/);
  });

  it("retries an unreachable LINE API with backoff, without logging the token", async () => {
    fake = await startFakeLine();
    fake.failBotInfo = 2;
    const before = service.logs.length;
    bots = await startBots({
      chat: service.service.chat,
      traces: service.service.traces,
      conversations: service.service.conversations,
      logger: service.service.logger,
      line: { channelSecret: SECRET, channelAccessToken: ACCESS_TOKEN, apiBaseUrl: fake.baseUrl },
      retry: { initialMs: 50, maxMs: 200 },
    });
    await fake.waitUntil(
      () => service.logs.slice(before).some((line) => line.includes("LINE bot ready as 課程助教")),
      10_000,
      "the bot to be ready",
    );
    const logs = service.logs.slice(before);
    expect(logs.filter((line) => line.includes("LINE API not reachable"))).toHaveLength(2);
    expect(logs.some((line) => line.includes(ACCESS_TOKEN) || line.includes(SECRET))).toBe(false);
    expect(logs.some((line) => line.includes("Discord gateway bot off: DISCORD_TOKEN is not set"))).toBe(
      true,
    );
  });
});
