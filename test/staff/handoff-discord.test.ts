/**
 * The hand-off on Discord: the real discord.js bot against a fake Discord on 127.0.0.1, the real
 * service. A student asks for a person in a DM and in a guild channel; staff reply through the API;
 * the reply reaches the same DM once, and in the channel as a reply that mentions the student. The
 * 「問真人助教」 button under an answer opens one hand-off for that answer's question.
 */
import { ComponentType } from "discord.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HANDOFF_BUTTON_ID } from "../../src/bots/discord/handoff-button.ts";
import { type RunningBots, startBots } from "../../src/bots/index.ts";
import { REPLIES } from "../../src/bots/replies.ts";
import { type FakeDiscord, startFakeDiscord } from "../helpers/fake-discord.ts";
import { startTestService, type TestService } from "../helpers/service.ts";

const STUDENT = "900000000000000077";

describe("hand-off through Discord", () => {
  let service: TestService;
  let fake: FakeDiscord;
  let bots: RunningBots;

  beforeAll(async () => {
    service = await startTestService({ env: { EMBED_MODEL: "none" } });
    fake = await startFakeDiscord();
    bots = await startBots({
      chat: service.service.chat,
      traces: service.service.traces,
      conversations: service.service.conversations,
      logger: service.service.logger,
      discord: { token: fake.token, apiBaseUrl: fake.apiBaseUrl, editIntervalMs: 100 },
      retry: { initialMs: 50, maxMs: 200 },
      handoffs: service.service.handoffs,
    });
    Object.assign(service.service.staffCouriers, bots.staffReplies);
    await fake.waitUntil(() => service.logs.some((line) => line.includes("Discord bot connected")), 15_000);
  });
  afterAll(async () => {
    await bots?.stop();
    await fake?.close();
    await service?.close();
  });

  async function openHandoff(question: string): Promise<{ id: string; pseudonym: string }> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const response = await fetch(`${service.url}/api/admin/handoffs?status=open`, {
        headers: { authorization: `Bearer ${service.adminToken}` },
      });
      const { handoffs } = (await response.json()) as {
        handoffs: { id: string; question: string; pseudonym: string }[];
      };
      const found = handoffs.find((handoff) => handoff.question === question);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no open hand-off for ${question}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  const reply = (id: string, text: string) =>
    fetch(`${service.url}/api/admin/handoffs/${id}/reply`, {
      method: "POST",
      headers: { authorization: `Bearer ${service.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ text }),
    });

  it("in a DM: /human gets an acknowledgement; the staff reply arrives in the same DM, once", async () => {
    const channelId = fake.nextId();
    const questionId = fake.userMessage({
      channelId,
      content: "/human 期末專題可以一個人做嗎",
      author: { id: STUDENT },
    });
    await fake.waitUntil(() => fake.botMessages(channelId).length === 1, 10_000, "the acknowledgement");
    expect(fake.botMessages(channelId)[0]!.contents).toEqual([REPLIES.handoffAck]);
    const handoff = await openHandoff("期末專題可以一個人做嗎");
    expect(handoff.pseudonym).toMatch(/^學生-/);

    const response = await reply(handoff.id, "原則上不行，請找 3 到 4 人一組。");
    expect(response.status).toBe(200);
    expect(((await response.json()) as { delivered: boolean }).delivered).toBe(true);
    const messages = fake.botMessages(channelId);
    expect(messages).toHaveLength(2);
    expect(messages[1]!.contents[0]).toContain("課程助教回覆");
    expect(messages[1]!.contents[0]).toContain("原則上不行");
    expect(messages[1]!.replyTo).toBe(questionId);
    expect((await reply(handoff.id, "again")).status).toBe(409);
    expect(fake.botMessages(channelId)).toHaveLength(2);
  });

  it("in a guild channel: 「找助教」 after a mention; the reply mentions the student", async () => {
    const guildId = fake.nextId();
    const channelId = fake.nextId();
    fake.addGuild({ id: guildId, channels: [channelId] });
    await new Promise((resolve) => setTimeout(resolve, 100));
    fake.userMessage({
      channelId,
      guildId,
      content: `<@${fake.botUser.id}> 找助教 HW3 的評分標準在哪`,
      mentionsBot: true,
      author: { id: STUDENT },
    });
    const handoff = await openHandoff("HW3 的評分標準在哪");
    expect((await reply(handoff.id, "在課程網站的作業頁。")).status).toBe(200);
    const post = fake.requests
      .filter((request) => request.method === "POST" && request.path === `/channels/${channelId}/messages`)
      .at(-1)!;
    expect(String(post.body?.content)).toContain(`<@${STUDENT}>`);
    expect(post.body?.allowed_mentions).toEqual({ parse: [], users: [STUDENT] });
  });

  it("the 「問真人助教」 button under an answer opens one hand-off with that question; staff reply arrives", async () => {
    const channelId = fake.nextId();
    const questionId = fake.userMessage({
      channelId,
      content: "期中考的範圍到第幾章",
      author: { id: STUDENT },
    });
    // The final edit carries the button (the streamed drafts do not).
    const final = await fake.waitFor(
      (request) =>
        request.method === "PATCH" &&
        request.path.startsWith(`/channels/${channelId}/messages/`) &&
        Array.isArray(request.body?.components),
      30_000,
    );
    expect(final.body?.components).toEqual([
      {
        type: ComponentType.ActionRow,
        components: [
          expect.objectContaining({
            type: ComponentType.Button,
            custom_id: HANDOFF_BUTTON_ID,
            label: REPLIES.handoffLabel,
          }),
        ],
      },
    ]);
    const answerId = final.path.split("/").at(-1)!;
    expect(fake.messages.get(answerId)!.replyTo).toBe(questionId);

    // A classmate's click (someone who did not ask) opens nothing.
    const other = fake.clickButton({
      messageId: answerId,
      channelId,
      userId: "900000000000000078",
      customId: "handoff",
    });
    await fake.waitUntil(() => fake.botMessages(`webhook-${other}`).length === 1, 10_000, "the refusal");
    expect(fake.botMessages(`webhook-${other}`)[0]!.contents.at(-1)).toBe(REPLIES.handoffNotYours);

    const first = fake.clickButton({ messageId: answerId, channelId, userId: STUDENT, customId: "handoff" });
    await fake.waitUntil(
      () => fake.botMessages(`webhook-${first}`).length === 1,
      10_000,
      "the acknowledgement",
    );
    expect(fake.botMessages(`webhook-${first}`)[0]!.contents.at(-1)).toBe(REPLIES.handoffAck);
    // Deferred as ephemeral: only the student sees the acknowledgement.
    const callback = fake.requests.find((request) => request.path.endsWith(`/${first}/callback`))!;
    expect(callback.body).toMatchObject({ type: 5, data: { flags: 64 } });
    const handoff = await openHandoff("期中考的範圍到第幾章");

    const second = fake.clickButton({ messageId: answerId, channelId, userId: STUDENT, customId: "handoff" });
    await fake.waitUntil(
      () => fake.botMessages(`webhook-${second}`).length === 1,
      10_000,
      "the second answer",
    );
    expect(fake.botMessages(`webhook-${second}`)[0]!.contents.at(-1)).toBe(REPLIES.handoffAlreadyQueued);
    const open = await fetch(`${service.url}/api/admin/handoffs?status=open`, {
      headers: { authorization: `Bearer ${service.adminToken}` },
    });
    const { handoffs } = (await open.json()) as { handoffs: { question: string }[] };
    expect(handoffs.filter((item) => item.question === "期中考的範圍到第幾章")).toHaveLength(1);

    const before = fake.botMessages(channelId).length;
    expect((await reply(handoff.id, "到第六章。")).status).toBe(200);
    const messages = fake.botMessages(channelId);
    expect(messages).toHaveLength(before + 1);
    expect(messages.at(-1)!.contents[0]).toContain("到第六章");
    expect(messages.at(-1)!.replyTo).toBe(answerId);
  });
});
