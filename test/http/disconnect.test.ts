/**
 * A client that disconnects mid-stream cancels its generation and frees its sequence: with one
 * sequence (LLM_PARALLEL=1), the next question gets its first token at once instead of waiting
 * behind an abandoned answer until the timeout. Real server on 127.0.0.1, tiny model.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getTrace, postChat, startTestService, type TestService } from "../helpers/service.ts";

describe("a client disconnecting mid-stream with one sequence (LLM_PARALLEL=1)", () => {
  const TIMEOUT_MS = 20_000;
  let service: TestService;
  beforeAll(async () => {
    // One sequence, a long allowed answer and a long context: left running, the first answer would
    // hold the only sequence for many seconds (until the timeout), delaying everyone behind it.
    service = await startTestService({
      env: {
        LLM_PARALLEL: "1",
        LLM_QUEUE_MAX: "2",
        LLM_CONTEXT_SIZE: "16384",
        LLM_MAX_TOKENS: "12000",
        LLM_TIMEOUT_MS: String(TIMEOUT_MS),
      },
    });
  });
  afterAll(async () => {
    await service.close();
  });

  /** Reads an SSE body until `marker` appears; returns what was read and when the marker arrived. */
  async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, marker: string) {
    const decoder = new TextDecoder();
    let text = "";
    while (!text.includes(marker)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    return { text, at: performance.now() };
  }

  it("cancels the generation, marks its trace failed with code cancelled, and serves the next request promptly", async () => {
    const controller = new AbortController();
    const started = performance.now();
    const response = await postChat(
      service,
      { message: "請詳細解釋 temperature", sampling: { maxTokens: 12_000 } },
      { signal: controller.signal },
    );
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const { text: seen } = await readUntil(reader, "event: text-delta");
    expect(seen).toContain("event: text-delta");
    const traceId = /"traceId":"([^"]+)"/.exec(seen)![1]!;
    controller.abort();
    await reader.cancel().catch(() => {});

    // The follow-up needs the only sequence: its first token can only come once the first
    // generation was stopped and its sequence given back.
    const asked = performance.now();
    const next = await postChat(service, { message: "min-p 是什麼？", sampling: { maxTokens: 4 } });
    expect(next.status).toBe(200);
    const nextReader = next.body!.getReader();
    const firstEvent = await readUntil(nextReader, "event: ");
    // The first event (retrieval) needs no sequence; the first text-delta is the one that does.
    const tokens = firstEvent.text.includes("event: text-delta")
      ? firstEvent
      : await readUntil(nextReader, "event: text-delta");
    const firstTokenAt = tokens.at;
    expect(tokens.text).toContain("event: text-delta");
    expect(firstEvent.at - asked).toBeLessThan(TIMEOUT_MS / 4);
    expect(firstTokenAt - asked).toBeLessThan(TIMEOUT_MS / 4);
    const rest = await readUntil(nextReader, "event: done");
    expect(rest.text).toContain("event: done");

    let trace = await getTrace(service, traceId);
    for (let attempt = 0; attempt < 50 && trace.status === "running"; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      trace = await getTrace(service, traceId);
    }
    expect(trace.status).toBe("failed");
    expect(trace.error?.code).toBe("cancelled");
    // Stopped within moments of the disconnect, far from its 12,000 tokens or the timeout.
    expect(trace.timings.totalMs).toBeLessThan(firstTokenAt - started + 1000);
    expect(trace.timings.totalMs).toBeLessThan(TIMEOUT_MS / 4);
  });
});
