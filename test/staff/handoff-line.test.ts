/**
 * The staff loop on LINE, with the real service, the real LINE SDK against a fake LINE API and a
 * fake staff webhook (all on 127.0.0.1): a student asks for a person, staff are alerted and reply
 * through the API, the push reaches that student once; a crisis message alerts staff within a second.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningBots } from "../../src/bots/index.ts";
import {
  type FakeLine,
  LINE_TEST_CHANNEL,
  lineMessagesText,
  lineTextEvent,
  postLineWebhook,
  startFakeLine,
} from "../helpers/fake-line.ts";
import { type FakeWebhook, startFakeWebhook } from "../helpers/fake-webhook.ts";
import { startLineBotOn, startTestService, type TestService } from "../helpers/service.ts";

const SECRET = LINE_TEST_CHANNEL.channelSecret;
const ACCESS_TOKEN = LINE_TEST_CHANNEL.channelAccessToken;
const STUDENT = "Uhandoff00000000000000000000001";

const textOf = lineMessagesText;

describe("hand-off and alerts through LINE", () => {
  let service: TestService;
  let fake: FakeLine;
  let webhook: FakeWebhook;
  let bots: RunningBots;

  beforeAll(async () => {
    webhook = await startFakeWebhook();
    service = await startTestService({
      env: {
        EMBED_MODEL: "none",
        STAFF_ALERT_WEBHOOK_URL: webhook.url,
        PUBLIC_BASE_URL: "https://ta.example.edu/",
      },
    });
    fake = await startFakeLine();
    bots = await startLineBotOn(service, fake.baseUrl, {
      channelSecret: SECRET,
      channelAccessToken: ACCESS_TOKEN,
    });
  });
  afterAll(async () => {
    await bots?.stop();
    await fake?.close();
    await service?.close();
    await webhook?.close();
  });

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${service.url}/api/admin/handoffs${path}`, {
      ...init,
      headers: { authorization: `Bearer ${service.adminToken}`, "content-type": "application/json" },
    });

  it("「找助教」 gets an acknowledgement, a queue entry and a staff alert; the staff reply is pushed once", async () => {
    const event = lineTextEvent("找助教 生病了 HW2 可以延期嗎", { userId: STUDENT });
    expect((await postLineWebhook(service.url, SECRET, [event])).status).toBe(200);
    await fake.waitUntil(
      () => fake.replies().some((request) => request.body?.replyToken === event.replyToken),
      10_000,
    );
    const ack = fake.replies().find((request) => request.body?.replyToken === event.replyToken)!;
    expect(textOf(ack)).toContain("助教會在這裡回覆你");

    await webhook.waitFor(1);
    const alert = webhook.posts[0]!.body.content ?? "";
    expect(alert).toContain("new hand-off");
    expect(alert).toContain("生病了 HW2 可以延期嗎");
    expect(alert).toMatch(/學生-[0-9a-f]{12}/);
    expect(alert).not.toContain(STUDENT);

    const open = (await (await api("?status=open")).json()) as { handoffs: Record<string, unknown>[] };
    expect(open.handoffs).toHaveLength(1);
    const handoff = open.handoffs[0]!;
    expect(handoff).toMatchObject({ platform: "line", status: "open", question: "生病了 HW2 可以延期嗎" });
    expect(JSON.stringify(handoff)).not.toContain(STUDENT);

    const reply = await api(`/${handoff.id}/reply`, {
      method: "POST",
      body: JSON.stringify({ text: "可以，請寄證明給助教信箱，會延長三天。", saveAsVerified: true }),
    });
    expect(reply.status).toBe(200);
    const outcome = (await reply.json()) as { delivered: boolean; verifiedAnswerId: string | null };
    expect(outcome.delivered).toBe(true);
    expect(outcome.verifiedAnswerId).toBeTruthy();
    const pushes = fake.deliveredPushes().filter((request) => request.body?.to === STUDENT);
    expect(pushes).toHaveLength(1);
    expect(textOf(pushes[0]!)).toContain("課程助教回覆");
    expect(textOf(pushes[0]!)).toContain("會延長三天");

    // A second reply is refused and nothing more is pushed.
    const again = await api(`/${handoff.id}/reply`, {
      method: "POST",
      body: JSON.stringify({ text: "再一次" }),
    });
    expect(again.status).toBe(409);
    expect(fake.deliveredPushes().filter((request) => request.body?.to === STUDENT)).toHaveLength(1);
    const answered = (await (await api("?status=answered")).json()) as {
      handoffs: { id: string; delivered: boolean }[];
    };
    expect(answered.handoffs.find((entry) => entry.id === handoff.id)?.delivered).toBe(true);

    const saved = (await (
      await fetch(`${service.url}/api/admin/verified-answers/${outcome.verifiedAnswerId}`, {
        headers: { authorization: `Bearer ${service.adminToken}` },
      })
    ).json()) as { question: string; answer: string };
    expect(saved).toMatchObject({
      question: "生病了 HW2 可以延期嗎",
      answer: "可以，請寄證明給助教信箱，會延長三天。",
    });
  });

  it("a reply LINE refused can be sent again, once it is delivered no more", async () => {
    const student = "Uredeliver000000000000000000001";
    const event = lineTextEvent("找助教 期中考可以補考嗎", { userId: student });
    expect((await postLineWebhook(service.url, SECRET, [event])).status).toBe(200);
    await fake.waitUntil(
      () => fake.replies().some((request) => request.body?.replyToken === event.replyToken),
      10_000,
    );
    const open = (await (await api("?status=open")).json()) as {
      handoffs: { id: string; question: string }[];
    };
    const handoff = open.handoffs.find((entry) => entry.question.includes("補考"))!;
    const toStudent = () => fake.deliveredPushes().filter((request) => request.body?.to === student);

    // Not retryable for the bot (400): the reply is saved, not delivered, and says why.
    fake.pushResponder = () => [400, { message: "The request body has 1 error(s)" }];
    const reply = await api(`/${handoff.id}/reply`, {
      method: "POST",
      body: JSON.stringify({ text: "可以，請先寄信給老師。" }),
    });
    const failed = (await reply.json()) as { delivered: boolean; handoff: { deliveryError: string } };
    expect(failed.delivered).toBe(false);
    expect(failed.handoff.deliveryError).toMatch(/LINE did not accept the push/);
    const stillDown = (await (await api(`/${handoff.id}/redeliver`, { method: "POST" })).json()) as {
      delivered: boolean;
    };
    expect(stillDown.delivered).toBe(false);
    expect(toStudent()).toHaveLength(0);

    fake.pushResponder = undefined;
    const again = await api(`/${handoff.id}/redeliver`, { method: "POST" });
    expect(again.status).toBe(200);
    const sent = (await again.json()) as {
      delivered: boolean;
      handoff: { delivered: boolean; deliveryError: string };
    };
    expect(sent).toMatchObject({ delivered: true, handoff: { delivered: true, deliveryError: "" } });
    expect(toStudent()).toHaveLength(1);
    expect(textOf(toStudent()[0]!)).toContain("請先寄信給老師");

    const twice = await api(`/${handoff.id}/redeliver`, { method: "POST" });
    expect(twice.status).toBe(409);
    expect(((await twice.json()) as { error: { message: string } }).error.message).toContain(
      "already delivered",
    );
    expect(toStudent()).toHaveLength(1);
    expect((await api("/no-such-id/redeliver", { method: "POST" })).status).toBe(404);
  });

  it("a crisis message alerts staff within a second, with a trace link and no raw id; the URL's secret is never logged", async () => {
    const before = webhook.posts.length;
    const userId = "Ucrisisalert0000000000000000001";
    const event = lineTextEvent("我撐不下去了，好想從頂樓跳下去", { userId });
    const sentAt = Date.now();
    expect((await postLineWebhook(service.url, SECRET, [event])).status).toBe(200);
    await webhook.waitFor(before + 1, 1000);
    const post = webhook.posts[before]!;
    expect(post.at - sentAt).toBeLessThan(1000);
    const content = post.body.content ?? "";
    expect(content).toContain("crisis");
    expect(content).toMatch(/https:\/\/ta\.example\.edu\/admin\/traces\/[0-9a-f-]{36}/);
    expect(content).not.toContain(userId);
    expect(post.body.allowed_mentions).toEqual({ parse: [] });
    expect(service.logs.join("\n")).not.toContain(webhook.token);
  });

  it("bad input: unknown id 404, empty text 400, bad status filter 400", async () => {
    expect(
      (await api("/no-such-id/reply", { method: "POST", body: JSON.stringify({ text: "x" }) })).status,
    ).toBe(404);
    const open = await api("?status=open");
    expect(open.status).toBe(200);
    const empty = await api("/whatever/reply", { method: "POST", body: JSON.stringify({ text: "  " }) });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: { message: string } }).error.message).toContain("text");
    expect((await api("?status=pending")).status).toBe(400);
  });
});
