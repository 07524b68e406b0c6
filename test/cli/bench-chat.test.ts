/** The chat benchmark's plumbing, run on the tiny model so it takes seconds (the real run uses SMALL_MODEL_SHAPE). */
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, inject, it, vi } from "vitest";
import { benchChat } from "../../src/cli/bench/chat.ts";
import { TINY_MODEL_SHAPE } from "../../src/fixtures/tiny-gguf.ts";
import { loadRawGenerator } from "../../src/llm/raw-generation.ts";

const benchDirs = () => new Set(readdirSync(tmpdir()).filter((name) => name.startsWith("bench-chat-")));

describe("raw generation", () => {
  it("generates exactly maxTokens tokens, end tokens included, with timings", async () => {
    const raw = await loadRawGenerator({
      modelPath: join(inject("fixturesDir"), "tiny-chat.gguf"),
      threads: 1,
      contextSize: 512,
    });
    try {
      const prompt = "<|im_start|>user\n作業遲交怎麼辦？<|im_end|>\n<|im_start|>assistant\n";
      expect(raw.countPromptTokens(prompt)).toBeLessThan(prompt.length);
      const sampling = {
        temperature: 1,
        topP: 1,
        topK: 0,
        minP: 0,
        repeatPenalty: 1.1,
        seed: 3,
        maxTokens: 40,
      };
      const run = await raw.generate(prompt, sampling);
      expect(run.completionTokens).toBe(40);
      expect(run.promptTokens).toBe(raw.countPromptTokens(prompt));
      expect(run.firstTokenMs).toBeGreaterThan(0);
      expect(run.tokensPerSecond).toBeGreaterThan(0);
      await expect(raw.generate(prompt, { ...sampling, maxTokens: 600 })).rejects.toThrow(/does not fit/);
    } finally {
      await raw.close();
    }
  });
});

describe("npm run bench -- chat", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("measures raw and service runs and concurrency, prints a summary, and cleans up", async () => {
    vi.stubEnv("LLM_THREADS", "1");
    const before = benchDirs();
    const report = (await benchChat({
      clients: [1, 3],
      tokens: 8,
      rounds: 3,
      roundTokens: 12,
      modelShape: TINY_MODEL_SHAPE,
    })) as {
      model: { threads: number; parallel: number };
      single: {
        rounds: number;
        prompt: { serviceTokens: number; rawTokens: number };
        raw: { completionTokens: number[] };
        service: { promptTokens: number[] };
      };
      tinyModelOverhead: { rounds: number; raw: { completionTokens: number[] } };
      concurrency: {
        clients: number;
        requests: number;
        errors: { overloaded503: number; other: number };
        raw: { completionTokens: number; aggregateTokensPerSecond: number };
        aggregateTokensPerSecondRatio: number;
      }[];
      prefixReuse: {
        rounds: { same: { promptTokens: number; reusedTokens: number }; other: { reusedTokens: number } }[];
        warmEqualsCold: {
          warmReusedTokens: number;
          coldReusedTokens: number;
          maxAbsoluteDifferenceTop10: number;
          met: boolean;
        };
      };
      summary: {
        figure: string;
        value: number;
        spread?: string;
        target: string | null;
        met: boolean | null;
        verdict?: string;
      }[];
    };
    expect(report.model.threads).toBe(1);
    expect(report.single.prompt.serviceTokens).toBeGreaterThan(100);
    // The raw run sees exactly the prompt the service rendered.
    expect(report.single.prompt.rawTokens).toBe(report.single.prompt.serviceTokens);
    const { rounds } = report.single;
    // Same question, no conversationId: the prompt never grows.
    expect(report.single.service.promptTokens).toEqual(
      Array(rounds).fill(report.single.prompt.serviceTokens),
    );
    expect(rounds).toBe(3);
    expect(report.single.raw.completionTokens).toEqual(Array(rounds).fill(12));
    // The paired rounds run cold, like the raw baseline; the prefix-reuse service reuses.
    for (const round of report.prefixReuse.rounds) {
      // Everything up to the time of day in the user turn (after the passages) is reused.
      expect(round.same.reusedTokens).toBeGreaterThan(round.same.promptTokens * 0.8);
      expect(round.other.reusedTokens).toBeGreaterThan(50);
    }
    expect(report.prefixReuse.warmEqualsCold.warmReusedTokens).toBeGreaterThan(50);
    expect(report.prefixReuse.warmEqualsCold.coldReusedTokens).toBe(0);
    // Batched alike, a warm prompt and a cold one compute exactly the same floats.
    expect(report.prefixReuse.warmEqualsCold.maxAbsoluteDifferenceTop10).toBe(0);
    expect(report.prefixReuse.warmEqualsCold.met).toBe(true);
    expect(report.tinyModelOverhead.raw.completionTokens).toHaveLength(report.tinyModelOverhead.rounds);
    expect(report.concurrency.map((level) => [level.clients, level.requests])).toEqual([
      [1, 1],
      [3, 3],
    ]);
    expect(report.concurrency.every((level) => level.errors.overloaded503 + level.errors.other === 0)).toBe(
      true,
    );
    // Each level is also run straight on node-llama-cpp: every client decodes all its tokens there too.
    expect(report.concurrency.map((level) => level.raw.completionTokens)).toEqual([8, 24]);
    expect(report.concurrency.every((level) => level.aggregateTokensPerSecondRatio > 0)).toBe(true);
    expect(
      report.summary.some((line) => line.figure.startsWith("service/raw aggregate tokens per second at 3")),
    ).toBe(true);
    const targeted = (start: string) => {
      const found = report.summary.find((line) => line.figure.startsWith(start));
      expect(found, start).toBeDefined();
      expect(found?.verdict).toBe(found?.met ? "met" : "not met");
      return found;
    };
    expect(targeted("service ÷ raw decode tokens/s, paired rounds")).toMatchObject({ target: ">= 0.95" });
    expect(targeted("service ÷ raw decode tokens/s, paired rounds")?.spread).toMatch(/min–max .*IQR .*n 3/);
    expect(targeted("service TTFT beyond retrieval ÷ raw TTFT")).toMatchObject({ target: "<= 1.05" });
    expect(targeted("prefix reuse: same first question")).toMatchObject({ target: "<= 0.2" });
    expect(targeted("prefix reuse: a different question")).toMatchObject({ target: "<= 0.9" });
    expect(targeted("prefix reuse: warm vs cold")?.target).toMatch(/^<= 0 /);
    for (const line of report.summary) expect(Number.isFinite(line.value)).toBe(true);
    expect([...benchDirs()].filter((name) => !before.has(name))).toEqual([]);
    // ~45 s on an idle 2-core box: the prefix-reuse and warm-equals-cold passes load the model again.
  }, 240_000);
});
