/**
 * Crisis and off-topic messages through a bot adapter: the real LINE bot and the real service
 * (tiny model, full-text retrieval as calibrated) against a fake LINE Messaging API on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningBots } from "../../src/bots/index.ts";
import type { Trace } from "../../src/types.ts";
import {
  type FakeLine,
  LINE_TEST_CHANNEL,
  lineMessagesText,
  lineTextEvent,
  postLineWebhook,
  startFakeLine,
} from "../helpers/fake-line.ts";
import { startLineBotOn, startTestService, type TestService } from "../helpers/service.ts";

const SECRET = LINE_TEST_CHANNEL.channelSecret;
const ACCESS_TOKEN = LINE_TEST_CHANNEL.channelAccessToken;

const textOf = lineMessagesText;

describe("safety replies through the LINE bot", () => {
  let service: TestService;
  let fake: FakeLine;
  let bots: RunningBots;

  beforeAll(async () => {
    // Full-text only: the mode the relevance thresholds are calibrated in.
    service = await startTestService({ env: { EMBED_MODEL: "none" } });
    fake = await startFakeLine();
    bots = await startLineBotOn(service, fake.baseUrl, {
      channelSecret: SECRET,
      channelAccessToken: ACCESS_TOKEN,
    });
    await fake.waitUntil(() => fake.requests.some((request) => request.path === "/v2/bot/info"), 5000);
  });
  afterAll(async () => {
    await bots?.stop();
    await fake?.close();
    await service?.close();
  });

  /** Sends one 1:1 message as `userId`; returns the text LINE was asked to deliver and the trace. */
  async function send(userId: string, text: string): Promise<{ reply: string; trace: Trace }> {
    const event = lineTextEvent(text, { userId });
    expect((await postLineWebhook(service.url, SECRET, [event])).status).toBe(200);
    const delivered = () =>
      [...fake.replies(), ...fake.pushes()].filter(
        (request) => request.body?.replyToken === event.replyToken || request.body?.to === userId,
      );
    await fake.waitUntil(() => delivered().length > 0, 30_000, `the answer to ${text}`);
    const deadline = Date.now() + 15_000;
    for (;;) {
      const [trace] = await service.service.traces.list({ conversationId: `line:user:${userId}` });
      if (trace && trace.status !== "running") return { reply: delivered().map(textOf).join("\n"), trace };
      if (Date.now() > deadline) throw new Error(`no finished trace for ${userId}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  it("answers a crisis message with the help lines, without the model, and flags the trace", async () => {
    const { reply, trace } = await send("Ucrisis000000000000000000000001", "我撐不下去了，好想從頂樓跳下去");
    expect(reply).toContain("安心專線 1925");
    expect(reply).toContain("1995");
    expect(reply).toContain("1980");
    expect(reply).toMatch(/諮商/);
    expect(trace.mode).toBe("crisis");
    expect(trace.platform).toBe("line");
    expect(trace.prompt).toBe("");
    expect(trace.usage).toEqual({ promptTokens: 0, completionTokens: 0 });
  });

  it("declines an off-topic question politely instead of letting the model guess", async () => {
    const { reply, trace } = await send("Uofftopic00000000000000000000001", "推薦我學習吉他的方法");
    expect(reply).toContain("這個問題超出這門課的範圍了");
    expect(reply).toContain("生成式人工智慧導論");
    // The pipeline's mode for an off-topic decline is "refusal" (src/types.ts ChatMode).
    expect(trace.mode).toBe("refusal");
    expect(trace.prompt).toBe("");
    expect(trace.usage.completionTokens).toBe(0);
  });
});
