/**
 * LLM_BACKEND=openai: one instance of this service (tiny local model) serves /v1/chat/completions,
 * a second instance uses it as its inference backend. Both are real servers on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatCourseDate } from "../../src/prompt/index.ts";
import type { ChatMessage, Trace } from "../../src/types.ts";
import { readSse, startTestService, type TestService } from "../helpers/service.ts";

async function traces(service: TestService): Promise<Trace[]> {
  const response = await fetch(`${service.url}/api/admin/traces?limit=5`, {
    headers: { authorization: `Bearer ${service.adminToken}` },
  });
  return ((await response.json()) as { traces: Trace[] }).traces;
}

describe("remote inference through an OpenAI-compatible server", () => {
  let inference: TestService;
  let frontend: TestService;

  beforeAll(async () => {
    inference = await startTestService({ env: { INFERENCE_TOKEN: "remote-key-abcdef" } });
    frontend = await startTestService({
      env: {
        LLM_BACKEND: "openai",
        LLM_BASE_URL: `${inference.url}/v1`,
        LLM_MODEL: "tiny-chat",
        LLM_API_KEY: "remote-key-abcdef",
      },
    });
  });
  afterAll(async () => {
    await frontend?.close();
    await inference?.close();
  });

  it("runs the same pipeline and streams the remote answer", async () => {
    const response = await fetch(`${frontend.url}/api/chat`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        message: "top-p 取樣是什麼？",
        sampling: {
          temperature: 0.7,
          topP: 0.8,
          topK: 20,
          minP: 0.1,
          repeatPenalty: 1.2,
          seed: 5,
          maxTokens: 6,
        },
      }),
    });
    const events = await readSse(response);
    expect(events[0]!.event).toBe("retrieval");
    expect(events.at(-1)!.event).toBe("done");
    expect(events.filter((event) => event.event === "text-delta").length).toBeGreaterThan(0);
    const done = events.at(-1)!.data as {
      mode: string;
      usage: { completionTokens: number; promptTokens: number };
      stopReason: string;
    };
    expect(done.mode).toBe("answer");
    expect(done.usage.completionTokens).toBeGreaterThan(0);
    // maxTokens cut the remote answer: the remote's finish_reason "length" comes back as stopReason.
    expect(done.stopReason).toBe("length");

    // The front end's trace records the messages it sent (the remote applies the chat template).
    const [frontTrace] = await traces(frontend);
    const sent = JSON.parse(frontTrace!.prompt) as ChatMessage[];
    expect(sent[0]!.role).toBe("system");
    expect(sent[0]!.content).toContain(formatCourseDate(new Date(), "Asia/Taipei").date);
    expect(sent.at(-1)!.role).toBe("user");
    expect(sent.at(-1)!.content).toContain("<passages>");
    expect(sent.at(-1)!.content).toContain("top-p 取樣是什麼？");
    expect(frontTrace!.model).toBe("tiny-chat");

    // The inference instance ran the messages as sent (no second retrieval), with the sampling.
    const [remoteTrace] = await traces(inference);
    expect(remoteTrace!.platform).toBe("openai");
    expect(remoteTrace!.passages).toEqual([]);
    expect(remoteTrace!.prompt).toContain(sent[0]!.content.slice(0, 40));
    expect(remoteTrace!.sampling).toMatchObject({
      temperature: 0.7,
      topP: 0.8,
      topK: 20,
      minP: 0.1,
      repeatPenalty: 1.2,
      seed: 5,
      maxTokens: 6,
    });
    expect(frontend.logs.join("\n")).not.toContain("remote-key-abcdef");
  });

  it("says finish_reason stop when the tiny model ends its answer itself, length when max_tokens cuts it", async () => {
    // Raw inference: the messages go to the model as sent (no date, no passages), so a seed gives
    // the same answer every time. At temperature 2 the random model samples its end token now and then.
    const MAX_TOKENS = 48;
    const ask = async (seed: number, stream: boolean) =>
      fetch(`${inference.url}/v1/chat/completions`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-ta-raw-inference": "1",
          authorization: "Bearer remote-key-abcdef",
        },
        body: JSON.stringify({
          model: "tiny-chat",
          messages: [{ role: "user", content: "什麼是 token？" }],
          stream,
          seed,
          temperature: 2,
          top_p: 1,
          top_k: 0,
          min_p: 0,
          repetition_penalty: 1,
          max_tokens: MAX_TOKENS,
        }),
      });
    const finishes = { stop: 0, length: 0 };
    let natural: { seed: number; content: string } | undefined;
    for (let seed = 0; seed < 100 && !(finishes.stop > 0 && finishes.length > 0); seed++) {
      const body = (await (await ask(seed, false)).json()) as {
        choices: { message: { content: string }; finish_reason: string }[];
        usage: { completion_tokens: number };
      };
      const finish = body.choices[0]!.finish_reason;
      if (finish === "stop" || finish === "length") finishes[finish]++;
      // "length" exactly when the answer used every allowed token.
      expect(finish, `seed ${seed}`).toBe(body.usage.completion_tokens >= MAX_TOKENS ? "length" : "stop");
      if (finish === "stop") natural ??= { seed, content: body.choices[0]!.message.content };
    }
    expect(finishes.length).toBeGreaterThan(0);
    expect(natural, "no seed in 0..99 made the tiny model end its answer by itself").toBeDefined();

    // The same answer streamed ends with finish_reason "stop" too.
    const events = await readSse(await ask(natural!.seed, true));
    expect(events.at(-1)!.data).toBe("[DONE]");
    const chunks = events
      .slice(0, -1)
      .map(
        (event) => event.data as { choices: { delta: { content?: string }; finish_reason: string | null }[] },
      );
    expect(chunks.map((chunk) => chunk.choices[0]!.delta.content ?? "").join("")).toBe(natural!.content);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("stop");
    expect(chunks.slice(0, -1).every((chunk) => chunk.choices[0]!.finish_reason === null)).toBe(true);
  });

  it("refuses raw inference without the inference token", async () => {
    const response = await fetch(`${inference.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-ta-raw-inference": "1",
        authorization: "Bearer wrong",
      },
      body: JSON.stringify({ model: "tiny-chat", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(response.status).toBe(401);
  });

  it("reports an unreachable inference server as an error event, and keeps serving", async () => {
    const orphan = await startTestService({
      env: { LLM_BACKEND: "openai", LLM_BASE_URL: "http://127.0.0.1:9/v1", LLM_MODEL: "x" },
    });
    try {
      const response = await fetch(`${orphan.url}/api/chat`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ message: "LoRA 是什麼？" }),
      });
      const events = await readSse(response);
      expect(events.map((event) => event.event)).toEqual(["retrieval", "error"]);
      const failure = events[1]!.data as { code: string; message: string };
      expect(failure.code).toBe("model_unavailable");
      expect(failure.message).not.toContain("127.0.0.1:9"); // the backend's address stays internal
      const [trace] = await traces(orphan);
      expect(trace!.status).toBe("failed");
      expect(JSON.stringify(trace)).toContain("127.0.0.1:9"); // the admin still sees which backend failed
      expect((await fetch(`${orphan.url}/healthz`)).status).toBe(200);
    } finally {
      await orphan.close();
    }
  });
});
