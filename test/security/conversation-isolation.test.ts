/**
 * A student's conversation is theirs alone: a LINE student's history can't be read, extended or
 * wiped through the HTTP API, whatever the id is spelled like. Real service (LanceDB, tiny models),
 * real LINE SDK against the fake LINE API on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningBots } from "../../src/bots/index.ts";
import {
  isHttpConversationId,
  newConversationId,
  readHttpConversationId,
} from "../../src/chat/conversation-ids.ts";
import type { Trace } from "../../src/types.ts";
import {
  type FakeLine,
  LINE_TEST_CHANNEL,
  lineTextEvent,
  postLineWebhook,
  startFakeLine,
} from "../helpers/fake-line.ts";
import { postChat, readSse, startLineBotOn, startTestService, type TestService } from "../helpers/service.ts";

const SECRET = LINE_TEST_CHANNEL.channelSecret;
const STUDENT = "Ustudent0000000000000000000isolation";
const CONVERSATION = `line:user:${STUDENT}`;
const PRIVATE_PHRASE = "我的學號是B11223344";

describe("a bot student's conversation through the HTTP API", () => {
  let service: TestService;
  let fake: FakeLine;
  let bots: RunningBots;

  beforeAll(async () => {
    // Two passages: the tiny model's 4096-token context then always has room for the history this
    // test follows (five widened passages leave it at the edge, and history is dropped first).
    service = await startTestService({ env: { EMBED_MODEL: "none", RETRIEVAL_TOP_K: "2" } });
    fake = await startFakeLine();
    bots = await startLineBotOn(service, fake.baseUrl, {
      channelSecret: SECRET,
      channelAccessToken: "line-access-token-0123456789",
    });
  });
  afterAll(async () => {
    await bots?.stop();
    await fake?.close();
    await service?.close();
  });

  async function askOnLine(text: string): Promise<Trace> {
    const before = (await service.service.traces.list({ conversationId: CONVERSATION })).length;
    expect(
      (await postLineWebhook(service.url, SECRET, [lineTextEvent(text, { userId: STUDENT })])).status,
    ).toBe(200);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const traces = await service.service.traces.list({ conversationId: CONVERSATION });
      const latest = traces[0];
      if (traces.length > before && latest && latest.status !== "running") return latest;
      if (Date.now() > deadline) throw new Error("the LINE question was not answered");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it("refuses the stranger's chat and delete in every spelling; the student's history stays theirs", async () => {
    await askOnLine(`作業可以遲交嗎？${PRIVATE_PHRASE}`);
    const spellings = [
      CONVERSATION,
      `LINE:user:${STUDENT}`,
      ` line:user:${STUDENT}`,
      `line:user:${STUDENT}\n`,
      `line%3Auser%3A${STUDENT}`,
      `line：user：${STUDENT}`,
      `line:group:Cgroup:user:${STUDENT}`,
      "discord:channel:123:user:456",
      "discord:thread:789",
    ];
    for (const conversationId of spellings) {
      for (const stream of [true, false]) {
        const response = await postChat(service, {
          message: "top-p 是什麼？請重複我們之前的對話",
          conversationId,
          stream,
        });
        expect(response.status, `${JSON.stringify(conversationId)} stream:${stream}`).toBe(400);
        const body = (await response.json()) as { error: { code: string; message: string } };
        expect(body.error.code).toBe("bad_request");
        expect(body.error.message).toMatch(/conversationId/);
      }
    }
    for (const path of [encodeURIComponent(CONVERSATION), CONVERSATION, `LINE:user:${STUDENT}`]) {
      const response = await fetch(`${service.url}/api/conversations/${path}`, { method: "DELETE" });
      expect(response.status, path).toBe(400);
    }
    // The OpenAI-compatible route keeps no conversation: a platform id there is refused too, and a
    // request without one never sees the student's history.
    const completion = (extra: Record<string, unknown>) =>
      fetch(`${service.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          messages: [{ role: "user", content: "top-p 是什麼？" }],
          user: STUDENT,
          ...extra,
        }),
      });
    for (const extra of [{ conversationId: CONVERSATION }, { conversation_id: `LINE:user:${STUDENT}` }]) {
      const refused = await completion(extra);
      expect(refused.status, JSON.stringify(extra)).toBe(400);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("bad_request");
    }
    const plain = await completion({});
    expect(plain.status).toBe(200);
    const { trace_id: completionTrace } = (await plain.json()) as { trace_id: string };
    const strangerTrace = await service.service.traces.get(completionTrace);
    expect(strangerTrace?.conversationId).not.toBe(CONVERSATION);
    expect(strangerTrace?.prompt).not.toContain("B11223344");

    const next = await askOnLine("期中考考哪些範圍？");
    expect(next.prompt).toContain("B11223344"); // the student's own history is still there
    expect(next.prompt).not.toContain("請重複我們之前的對話"); // and no stranger's turn ever joined it
    // Debug logs name the conversation by its pseudonym, never by the student's LINE id.
    expect(service.logs.some((line) => line.includes("line:對話-"))).toBe(true);
    expect(service.logs.filter((line) => line.includes(STUDENT))).toEqual([]);
    const history = await service.service.conversations.history(CONVERSATION);
    expect(history.filter((turn) => turn.role === "user").map((turn) => turn.content)).toEqual([
      `作業可以遲交嗎？${PRIVATE_PHRASE}`,
      "期中考考哪些範圍？",
    ]);
  });

  it("issues unguessable conversation ids and keeps client-chosen ones in the HTTP namespace", async () => {
    const issued = new Set<string>();
    for (let index = 0; index < 2; index++) {
      const events = await readSse(await postChat(service, { message: "你好" }));
      const first = events[0]!.data as { conversationId: string };
      expect(first.conversationId).toMatch(/^[A-Za-z0-9_-]{24}$/); // 18 random bytes: 144 bits
      issued.add(first.conversationId);
    }
    expect(issued.size).toBe(2);

    const chosen = await postChat(service, {
      message: "你好",
      conversationId: "my-own.conversation_1",
      stream: false,
    });
    expect(chosen.status).toBe(200);
    expect(((await chosen.json()) as { conversationId: string }).conversationId).toBe(
      "my-own.conversation_1",
    );
    const reset = await fetch(`${service.url}/api/conversations/my-own.conversation_1`, { method: "DELETE" });
    expect(await reset.json()).toEqual({ conversationId: "my-own.conversation_1", removedTurns: 2 });
  });
});

describe("conversation id namespaces (pure)", () => {
  it("keeps HTTP ids colon-free and issues 144-bit ids", () => {
    expect(isHttpConversationId(newConversationId())).toBe(true);
    expect(Buffer.from(newConversationId(), "base64url")).toHaveLength(18);
    expect(() => readHttpConversationId("line:user:U1")).toThrow(/chat-platform conversation/);
    expect(() => readHttpConversationId("a/b")).toThrow(/letters, digits/);
    expect(readHttpConversationId(undefined)).toBeUndefined();
  });
});
