/**
 * 50 concurrent students against the tiny model with a small number of sequences and a bounded
 * queue: each gets a full answer or a clean 503 with Retry-After, nothing crashes, memory stays
 * bounded, and every answered request has exactly one trace. Loopback only, bounded in count.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Trace } from "../../src/types.ts";
import { startTestService, type TestService } from "../helpers/service.ts";

const QUESTIONS = [
  "top-p 取樣是什麼？",
  "HW4 什麼時候要交？",
  "chat template 的作用是什麼",
  "RAG 怎麼減少幻覺？",
  "LoRA 跟全參數微調差在哪",
  "temperature 調高會怎樣",
  "token 是什麼",
  "加退選到什麼時候",
];

describe("50 concurrent chat clients", () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({
      env: { LLM_PARALLEL: "2", LLM_QUEUE_MAX: "8", LLM_MAX_TOKENS: "12" },
    });
  });
  afterAll(async () => {
    await service.close();
  });

  async function wave(clients: number) {
    return Promise.all(
      Array.from({ length: clients }, async (_, index) => {
        const response = await fetch(`${service.url}/api/chat`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            message: QUESTIONS[index % QUESTIONS.length],
            stream: false,
            sampling: { seed: index },
          }),
        });
        return {
          status: response.status,
          retryAfter: response.headers.get("retry-after"),
          body: (await response.json()) as Record<string, unknown>,
        };
      }),
    );
  }

  it("answers or refuses cleanly, keeps exactly one trace per answer, and stays bounded", async () => {
    const rssBefore = process.memoryUsage().rss;
    const tracesBefore = await service.service.traces.count();
    const first = await wave(50);
    const second = await wave(50);
    const results = [...first, ...second];

    for (const result of results) {
      expect([200, 503]).toContain(result.status);
      if (result.status === 503) {
        expect(result.retryAfter).toBe("5");
        expect((result.body.error as { code: string }).code).toBe("overloaded");
      } else {
        expect(typeof result.body.answer).toBe("string");
        expect(result.body.mode).toBe("answer");
        expect(typeof result.body.traceId).toBe("string");
      }
    }
    const answered = results.filter((result) => result.status === 200);
    console.info(`two waves of 50: ${answered.length} × 200, ${results.length - answered.length} × 503`);
    // Two sequences plus eight waiting: at least ten of each wave get through.
    expect(answered.length).toBeGreaterThanOrEqual(20);

    const all: Trace[] = [];
    let before: string | undefined;
    for (;;) {
      const page = (await (
        await fetch(
          `${service.url}/api/admin/traces?limit=500${before ? `&before=${encodeURIComponent(before)}` : ""}`,
          {
            headers: { authorization: `Bearer ${service.adminToken}` },
          },
        )
      ).json()) as { traces: Trace[]; next: string | null };
      all.push(...page.traces);
      if (!page.next) break;
      before = page.next;
    }
    for (const result of answered) {
      const matching = all.filter((trace) => trace.id === result.body.traceId);
      expect(matching).toHaveLength(1);
      expect(matching[0]!.status).toBe("ok");
    }
    expect(all.filter((trace) => trace.status === "running")).toEqual([]);
    // Refusals are decided before anything is written: no trace, failed or otherwise.
    expect(all.length - tracesBefore).toBe(answered.length);
    expect(all.filter((trace) => trace.status === "failed")).toEqual([]);

    const growthMb = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
    expect(growthMb).toBeLessThan(400);
    expect(service.service.chat).toBeTypeOf("function");
    const health = await fetch(`${service.url}/healthz`);
    expect(health.status).toBe(200);
  }, 240_000);
});
