/**
 * POST /webhooks/discord through the real HTTP app: Ed25519 checks, PING, /ask deferred then edited,
 * /reset, and the 「問真人助教」 button under an answer.
 */
import { generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningBots, startBots } from "../../src/bots/index.ts";
import { REPLIES } from "../../src/bots/replies.ts";
import { discordKeyPair, type FakeDiscord, startFakeDiscord } from "../helpers/fake-discord.ts";
import { startTestService, type TestService } from "../helpers/service.ts";

describe("Discord HTTP interactions", () => {
  let service: TestService;
  let fake: FakeDiscord;
  let bots: RunningBots;
  let privateKey: KeyObject;

  beforeAll(async () => {
    service = await startTestService();
    fake = await startFakeDiscord();
    const pair = discordKeyPair();
    privateKey = pair.privateKey;
    const publicKeyHex = pair.publicKeyHex;
    bots = await startBots({
      chat: service.service.chat,
      traces: service.service.traces,
      conversations: service.service.conversations,
      logger: service.service.logger,
      discord: { publicKey: publicKeyHex, apiBaseUrl: fake.apiBaseUrl, editIntervalMs: 100 },
      handoffs: service.service.handoffs,
    });
    Object.assign(service.service.webhooks, bots.webhooks);
  });
  afterAll(async () => {
    delete service.service.webhooks.discord;
    await bots?.stop();
    await fake?.close();
    await service?.close();
  });

  type Signing = "valid" | "none" | "wrong-key" | "tampered" | "stale" | "future";

  /** Signs like Discord; "stale" and "future" sign correctly over a timestamp outside the window. */
  async function post(body: object, signing: Signing = "valid") {
    const text = JSON.stringify(body);
    const now = Math.floor(Date.now() / 1000);
    const offset = signing === "stale" ? -(5 * 60 + 30) : signing === "future" ? 2 * 60 : 0;
    const timestamp = String(now + offset);
    const key = signing === "wrong-key" ? generateKeyPairSync("ed25519").privateKey : privateKey;
    const signature = sign(null, Buffer.from(timestamp + text), key).toString("hex");
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (signing !== "none") {
      headers["x-signature-ed25519"] = signature;
      headers["x-signature-timestamp"] = timestamp;
    }
    const sent = signing === "tampered" ? text.replace("ask", "asx") : text;
    return fetch(`${service.url}/webhooks/discord`, { method: "POST", headers, body: sent });
  }

  const command = (name: string, options: object[] = []) => {
    const token = `interaction-token-${fake.nextId()}`;
    return {
      token,
      body: {
        id: fake.nextId(),
        application_id: fake.applicationId,
        type: 2,
        token,
        version: 1,
        guild_id: "700000000000000001",
        channel_id: "700000000000000002",
        channel: { id: "700000000000000002", type: 0 },
        member: { user: { id: "900000000000000007", username: "student" } },
        data: { id: fake.nextId(), name, type: 1, options },
      },
    };
  };

  it("says the gateway is off but HTTP interactions are on", () => {
    expect(
      service.logs.some((line) => line.includes("DISCORD_TOKEN is not set (HTTP interactions are on)")),
    ).toBe(true);
  });

  it("refuses missing, wrong and tampered signatures with 401, processing nothing", async () => {
    const { body } = command("ask", [{ name: "question", type: 3, value: "?" }]);
    for (const signing of ["none", "wrong-key", "tampered"] as const) {
      const response = await post(body, signing);
      expect(response.status, signing).toBe(401);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(fake.requests).toHaveLength(0);
  });

  it("refuses a valid signature over a timestamp over 5 minutes old or over 1 minute ahead (replay)", async () => {
    const { body } = command("ask", [{ name: "question", type: 3, value: "期中考範圍？" }]);
    for (const signing of ["stale", "future"] as const) {
      const response = await post(body, signing);
      expect(response.status, signing).toBe(401);
      expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(
        /X-Signature-Timestamp/,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(fake.requests).toHaveLength(0);
    const ping = { id: "1", application_id: fake.applicationId, type: 1, token: "t", version: 1 };
    expect((await post(ping, "valid")).status).toBe(200); // the same request signed just now is fine
  });

  it("answers PING with PONG", async () => {
    const response = await post({
      id: "1",
      application_id: fake.applicationId,
      type: 1,
      token: "t",
      version: 1,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ type: 1 });
  });

  it("defers /ask, then edits the original response with the answer", async () => {
    const { token, body } = command("ask", [{ name: "question", type: 3, value: "期末專題要交什麼？" }]);
    const response = await post(body);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ type: 5 });
    const channel = `webhook-${token}`;
    await fake.waitUntil(
      () => {
        const last = fake.botMessages(channel)[0]?.contents.at(-1);
        return last !== undefined && !last.endsWith(REPLIES.stillWriting);
      },
      30_000,
      "the edited original response",
    );
    const conversationId = "discord:channel:700000000000000002:user:900000000000000007";
    const [trace] = await service.service.traces.list({ conversationId });
    expect(trace?.question).toBe("期末專題要交什麼？");
    expect(
      fake
        .botMessages(channel)[0]!
        .contents.at(-1)!
        .startsWith(trace!.answer.trim() || REPLIES.emptyAnswer),
    ).toBe(true);
    const edits = fake.requests.filter((request) => request.method === "PATCH");
    expect(
      edits.every(
        (request) => request.path === `/webhooks/${fake.applicationId}/${token}/messages/@original`,
      ),
    ).toBe(true);
  });

  it("answers /reset at once, only to the student", async () => {
    const response = await post(command("reset").body);
    expect(await response.json()).toEqual({
      type: 4,
      data: { content: REPLIES.reset, flags: 64, allowed_mentions: { parse: [] } },
    });
  });

  it("the 「問真人助教」 button under an /ask answer opens one hand-off, acknowledged only to the student", async () => {
    const question = "作業可以遲交嗎？";
    const asked = command("ask", [{ name: "question", type: 3, value: question }]);
    expect((await post(asked.body)).status).toBe(200);
    const final = await fake.waitFor(
      (request) =>
        request.method === "PATCH" &&
        request.path.includes(asked.token) &&
        Array.isArray(request.body?.components),
      30_000,
    );
    expect(JSON.stringify(final.body?.components)).toContain('"custom_id":"handoff"');
    const answerId = fake.botMessages(`webhook-${asked.token}`)[0]!.id;

    const click = () => {
      const { token, body } = command("unused");
      return {
        token,
        body: {
          ...body,
          type: 3,
          data: { custom_id: "handoff", component_type: 2 },
          message: { id: answerId },
        },
      };
    };
    const openFor = async () => {
      const response = await fetch(`${service.url}/api/admin/handoffs?status=open`, {
        headers: { authorization: `Bearer ${service.adminToken}` },
      });
      const { handoffs } = (await response.json()) as { handoffs: { question: string }[] };
      return handoffs.filter((handoff) => handoff.question === question);
    };
    for (const expected of [REPLIES.handoffAck, REPLIES.handoffAlreadyQueued]) {
      const { token, body } = click();
      const response = await post(body);
      expect(await response.json()).toEqual({ type: 5, data: { flags: 64 } });
      await fake.waitUntil(
        () => fake.botMessages(`webhook-${token}`).length === 1,
        10_000,
        "the acknowledgement",
      );
      expect(fake.botMessages(`webhook-${token}`)[0]!.contents.at(-1)).toBe(expected);
      expect(await openFor()).toHaveLength(1);
    }
  });
});
