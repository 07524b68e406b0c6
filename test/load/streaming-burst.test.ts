/**
 * A burst of streaming clients against one sequence and a one-place queue: the service decides
 * "answer or refuse" before the first SSE byte, so every response is either a complete 200 stream
 * or a 503 with Retry-After, never a 200 carrying an `overloaded` error. Refusals leave no trace.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSse, startTestService, type TestService } from "../helpers/service.ts";

const QUESTIONS = [
  "top-p 取樣是什麼？",
  "HW4 什麼時候要交？",
  "chat template 的作用是什麼",
  "RAG 怎麼減少幻覺？",
  "LoRA 跟全參數微調差在哪",
  "temperature 調高會怎樣",
];
const CLIENTS = 12;

interface Outcome {
  status: number;
  retryAfter: string | null;
  contentType: string;
  /** SSE events of a streamed 200. */
  events: { event: string; data: unknown }[];
  /** JSON body of anything else. */
  body: unknown;
}

describe("a burst of streaming clients with LLM_PARALLEL=1 and LLM_QUEUE_MAX=1", () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({
      env: { LLM_PARALLEL: "1", LLM_QUEUE_MAX: "1", LLM_MAX_TOKENS: "400" },
    });
  });
  afterAll(async () => {
    await service.close();
  });

  async function burst(path: string, bodyFor: (index: number) => unknown): Promise<Outcome[]> {
    return Promise.all(
      Array.from({ length: CLIENTS }, async (_, index): Promise<Outcome> => {
        const response = await fetch(`${service.url}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(bodyFor(index)),
        });
        const contentType = response.headers.get("content-type") ?? "";
        const streamed = contentType.includes("text/event-stream");
        return {
          status: response.status,
          retryAfter: response.headers.get("retry-after"),
          contentType,
          events: streamed ? await readSse(response) : [],
          body: streamed ? undefined : await response.json(),
        };
      }),
    );
  }

  /**
   * Opens a streaming chat; when admitted (200), reads up to its first event (`retrieval`).
   * Returns undefined for a 503.
   */
  async function openStream(message: string, maxTokens: number) {
    const controller = new AbortController();
    const response = await fetch(`${service.url}/api/chat`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ message, sampling: { maxTokens } }),
      signal: controller.signal,
    });
    if (response.status === 503) {
      expect(response.headers.get("retry-after")).toBe("5");
      await response.body?.cancel();
      return undefined;
    }
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    while (!text.includes("event: retrieval")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    const traceId = /"traceId":"([^"]+)"/.exec(text)![1]!;
    return {
      traceId,
      async leave() {
        controller.abort();
        await reader.cancel().catch(() => {});
      },
      async readRest() {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return text;
          text += decoder.decode(value, { stream: true });
        }
      },
    };
  }

  async function settledTrace(id: string) {
    let trace = await service.service.traces.get(id);
    for (let attempt = 0; attempt < 50 && trace?.status === "running"; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      trace = await service.service.traces.get(id);
    }
    return trace;
  }

  async function answersAgain() {
    const response = await fetch(`${service.url}/api/chat`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ message: "min-p 是什麼？", stream: false, sampling: { maxTokens: 4 } }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { mode: string }).mode).toBe("answer");
  }

  function split(outcomes: Outcome[]) {
    return {
      answered: outcomes.filter((outcome) => outcome.status === 200),
      refused: outcomes.filter((outcome) => outcome.status !== 200),
    };
  }

  it("POST /api/chat: complete streams or 503 + Retry-After, one trace per answer", async () => {
    const tracesBefore = await service.service.traces.count();
    const outcomes = await burst("/api/chat", (index) => ({
      message: QUESTIONS[index % QUESTIONS.length],
      sampling: { seed: index, maxTokens: 24 },
    }));
    const { answered, refused } = split(outcomes);
    console.info(`/api/chat burst of ${CLIENTS}: ${answered.length} × 200, ${refused.length} × 503`);

    for (const outcome of refused) {
      expect(outcome.status).toBe(503);
      expect(outcome.retryAfter).toBe("5");
      expect(outcome.contentType).toMatch(/application\/json/);
      expect(outcome.body).toMatchObject({ error: { code: "overloaded" } });
    }
    const traceIds: string[] = [];
    for (const outcome of answered) {
      expect(outcome.contentType).toMatch(/text\/event-stream/);
      const types = outcome.events.map((event) => event.event);
      expect(types[0]).toBe("retrieval");
      expect(types.at(-1)).toBe("done");
      expect(types).not.toContain("error");
      expect(JSON.stringify(outcome.events)).not.toContain("overloaded");
      const done = outcome.events.at(-1)!.data as { mode: string; traceId: string };
      expect(done.mode).toBe("answer");
      traceIds.push(done.traceId);
    }
    expect(refused.length).toBeGreaterThanOrEqual(1);
    // One sequence plus one waiting place: at least two of the burst are answered.
    expect(answered.length).toBeGreaterThanOrEqual(2);
    expect(answered.length + refused.length).toBe(CLIENTS);

    expect((await service.service.traces.count()) - tracesBefore).toBe(answered.length);
    for (const id of traceIds) {
      expect(await service.service.traces.get(id)).toMatchObject({ status: "ok", mode: "answer" });
    }
    expect(service.logs.join("\n")).toMatch(/refused a http question as busy/);
    await answersAgain();
  }, 120_000);

  it("POST /v1/chat/completions (stream): complete streams or 503 with an OpenAI-style error", async () => {
    const tracesBefore = await service.service.traces.count();
    const outcomes = await burst("/v1/chat/completions", (index) => ({
      model: "tiny-chat",
      messages: [{ role: "user", content: QUESTIONS[index % QUESTIONS.length] }],
      stream: true,
      max_tokens: 24,
      seed: index,
    }));
    const { answered, refused } = split(outcomes);
    console.info(
      `/v1/chat/completions burst of ${CLIENTS}: ${answered.length} × 200, ${refused.length} × 503`,
    );

    for (const outcome of refused) {
      expect(outcome.status).toBe(503);
      expect(outcome.retryAfter).toBe("5");
      expect(outcome.body).toEqual({
        error: { message: expect.any(String), type: "server_error", param: null, code: "overloaded" },
      });
    }
    for (const outcome of answered) {
      expect(outcome.events.at(-1)!.data).toBe("[DONE]");
      const chunks = outcome.events.slice(0, -1).map((event) => event.data as Record<string, unknown>);
      expect(chunks.some((chunk) => "error" in chunk)).toBe(false);
      const last = chunks.at(-1) as { choices: { finish_reason: string | null }[] };
      // "length" when max_tokens cut the answer (almost always with the random tiny model).
      expect(["stop", "length"]).toContain(last.choices[0]!.finish_reason);
    }
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(answered.length).toBeGreaterThanOrEqual(2);
    expect((await service.service.traces.count()) - tracesBefore).toBe(answered.length);
    await answersAgain();
  }, 120_000);

  it("POST /v1/chat/completions (no stream) is refused the same way", async () => {
    const tracesBefore = await service.service.traces.count();
    const outcomes = await burst("/v1/chat/completions", (index) => ({
      model: "tiny-chat",
      messages: [{ role: "user", content: QUESTIONS[index % QUESTIONS.length] }],
      max_tokens: 24,
    }));
    const { answered, refused } = split(outcomes);
    for (const outcome of refused) {
      expect(outcome.status).toBe(503);
      expect(outcome.retryAfter).toBe("5");
      expect(outcome.body).toMatchObject({ error: { type: "server_error", code: "overloaded" } });
    }
    for (const outcome of answered) {
      expect(outcome.body).toMatchObject({
        object: "chat.completion",
        choices: [{ finish_reason: expect.stringMatching(/^(stop|length)$/) }],
      });
    }
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect((await service.service.traces.count()) - tracesBefore).toBe(answered.length);
  }, 120_000);

  it("gives a waiting client's place back when it disconnects", async () => {
    // The random tiny model may end an answer early (an end token), which frees the place on its own
    // and voids the setup; then the setup is retried. What is tested starts once both places are held.
    let answering: Awaited<ReturnType<typeof openStream>>;
    let waiting: Awaited<ReturnType<typeof openStream>>;
    for (let setup = 0; ; setup++) {
      answering = await openStream("請詳細解釋 temperature", 400);
      waiting = await openStream("請詳細解釋 top-p", 400);
      expect(answering).toBeDefined();
      expect(waiting).toBeDefined();
      const third = await openStream("LoRA 是什麼？", 4);
      if (third === undefined) break;
      expect(setup, "the tiny model kept ending answers early").toBeLessThan(4);
      await Promise.all([answering!.readRest(), waiting!.readRest(), third.readRest()]);
    }
    answering = answering!;
    waiting = waiting!;

    await waiting.leave();
    // Its place is free again: the next question is admitted and waits behind the answering one.
    let next = await openStream("RAG 是什麼？", 4);
    for (let attempt = 0; attempt < 50 && !next; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      next = await openStream("RAG 是什麼？", 4);
    }
    expect(next).toBeDefined();
    await answering.leave();
    // The answering client's sequence goes to the admitted one, which completes.
    const rest = await next!.readRest();
    expect(rest).toMatch(/event: done\n/);
    expect(rest).not.toMatch(/event: error\n/);

    expect(await settledTrace(waiting.traceId)).toMatchObject({
      status: "failed",
      error: { code: "cancelled" },
    });
    // The answering client left too; unless the tiny model had already ended that answer, it is cancelled.
    const answered = await settledTrace(answering.traceId);
    if (answered?.status !== "ok")
      expect(answered).toMatchObject({ status: "failed", error: { code: "cancelled" } });
    expect(await settledTrace(next!.traceId)).toMatchObject({ status: "ok" });
    await answersAgain();
  }, 60_000);
});
