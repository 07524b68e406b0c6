/**
 * The chat benchmark's prefix-reuse figures: time to the first token of a service that keeps what its
 * sequence evaluated, against the raw engine's cold time for the same prompt; and whether reuse
 * changes what the model computes (next-token probabilities warm against cold).
 */
import { type LlmEngineOptions, loadLlmEngine } from "../../llm/index.ts";
import { LlamaEngine } from "../../llm/llama-engine.ts";
import type { RawGenerator } from "../../llm/raw-generation.ts";
import type { SamplingOptions } from "../../types.ts";
import { getTraceDetails, postChat, requireAnswer } from "./chat-client.ts";
import { round, spread } from "./stats.ts";

export const PREFIX_TARGETS = {
  /** The same first question again, from a new conversation: TTFT ≤ this × the raw cold TTFT. */
  sameQuestionRatio: 0.2,
  /** Another question (same system prompt, other passages): TTFT ≤ this × the raw cold TTFT. */
  otherQuestionRatio: 0.9,
  /**
   * Largest difference allowed between the next-token probabilities of a warm prompt and of a cold
   * evaluation of the same prompt batched the same way (its first tokens in a batch of their own):
   * none. Against a cold evaluation in one batch the floats differ a little, because llama.cpp picks
   * its matrix kernels by batch size (reported, not a target); stale tokens left in the sequence
   * move them by ~1e-3 on the tiny model (test/llm/prefix-reuse.test.ts).
   */
  probabilityTolerance: 0,
};

/** FAQ questions of the project's corpus, in pairs that retrieve different passages. */
const QUESTION_PAIRS: [string, string][] = [
  ["作業遲交怎麼辦？會扣多少分？", "期末專題幾人一組？可以一個人做嗎？"],
  ["需要自己有 GPU 嗎？", "上課錄影在哪裡看？"],
  ["Office hour 在什麼時候？", "作業要交什麼格式？交到哪裡？"],
];

interface WarmService {
  url: string;
  adminToken: string;
}

function progress(message: string): void {
  process.stderr.write(`[bench chat] ${message}\n`);
}

/**
 * On a service with prefix reuse and one sequence, per pair (A, B): A primes the sequence, A again
 * from a new conversation and then B are measured; each against the raw engine's cold run of the
 * exact prompt the service rendered. Answers are short: only the first token matters here.
 */
export async function measurePrefixReuse(
  service: WarmService,
  raw: RawGenerator,
  sampling: SamplingOptions,
  pairs = QUESTION_PAIRS.length,
) {
  const short = { ...sampling, maxTokens: 4 };
  const rounds: {
    questions: [string, string];
    same: { promptTokens: number; reusedTokens: number; ttftMs: number; rawColdMs: number; ratio: number };
    other: { promptTokens: number; reusedTokens: number; ttftMs: number; rawColdMs: number; ratio: number };
  }[] = [];
  const prompts = { first: "", second: "" };
  const measure = async (question: string) => {
    const run = requireAnswer(await postChat(service.url, question, short));
    const trace = await getTraceDetails(service.url, service.adminToken, run.traceId!);
    const cold = await raw.generate(trace.prompt, { ...short, maxTokens: 2 });
    if (rounds.length === 0) prompts[prompts.first === "" ? "first" : "second"] = trace.prompt;
    return {
      promptTokens: run.promptTokens,
      reusedTokens: trace.reusedPromptTokens,
      ttftMs: round(run.ttftMs),
      rawColdMs: round(cold.firstTokenMs),
      ratio: round(run.ttftMs / cold.firstTokenMs, 3),
    };
  };
  for (const [first, second] of QUESTION_PAIRS.slice(0, Math.max(1, pairs))) {
    requireAnswer(await postChat(service.url, first, short));
    const same = await measure(first);
    const other = await measure(second);
    rounds.push({ questions: [first, second], same, other });
    progress(
      `prefix reuse: same question TTFT ${same.ttftMs} ms vs raw cold ${same.rawColdMs} ms (${same.reusedTokens}/${same.promptTokens} reused); other question ${other.ttftMs} ms vs ${other.rawColdMs} ms (${other.reusedTokens}/${other.promptTokens} reused)`,
    );
  }
  return {
    rounds,
    /** The first pair's prompts as the service rendered them (for the warm-equals-cold check). */
    prompts,
    sameQuestionRatio: spread(rounds.map((entry) => entry.same.ratio)),
    otherQuestionRatio: spread(rounds.map((entry) => entry.other.ratio)),
  };
}

/**
 * Next-token probabilities after prompt B evaluated warm (the sequence holds prompt A, which shares
 * the system prompt) and cold (an engine that never reuses), on the benchmark's model.
 */
export async function measureWarmEqualsCold(
  options: Omit<LlmEngineOptions, "parallel" | "prefixReuse">,
  promptA: string,
  promptB: string,
) {
  type Probe = Awaited<ReturnType<LlamaEngine["probeNextTokens"]>>;
  const withEngine = async <T>(prefixReuse: boolean, work: (engine: LlamaEngine) => Promise<T>) => {
    const engine = await loadLlmEngine({ ...options, parallel: 1, prefixReuse });
    try {
      if (!(engine instanceof LlamaEngine)) throw new Error("the benchmark needs the node-llama-cpp engine");
      return await work(engine);
    } finally {
      await engine.close();
    }
  };
  const warm = await withEngine(true, async (engine) => {
    await engine.probeNextTokens(promptA, 10);
    return engine.probeNextTokens(promptB, 10);
  });
  const [cold, coldBatchedAlike] = await withEngine(false, async (engine) => [
    await engine.probeNextTokens(promptB, 10),
    await engine.probeNextTokens(promptB, 10, { splitAt: warm.reusedTokens }),
  ]);
  // By token id: several byte tokens read as the same text.
  const largestDifference = (a: Probe, b: Probe) => {
    const byId = new Map(b.tokenIds.map((id, index) => [id, b.probabilities[index]!.probability]));
    return Math.max(
      ...a.tokenIds.map((id, index) => Math.abs(a.probabilities[index]!.probability - (byId.get(id) ?? 0))),
    );
  };
  const maxDifference = largestDifference(warm, coldBatchedAlike);
  return {
    warmReusedTokens: warm.reusedTokens,
    coldReusedTokens: cold.reusedTokens,
    sameTopToken: warm.tokenIds[0] === cold.tokenIds[0],
    topProbabilityWarm: warm.probabilities[0]?.probability ?? 0,
    topProbabilityCold: cold.probabilities[0]?.probability ?? 0,
    /** Against a cold evaluation batched as the warm one was: reuse itself changes nothing if 0. */
    maxAbsoluteDifferenceTop10: maxDifference,
    /** Against a cold evaluation in one batch: llama.cpp's batch-size float differences. */
    maxAbsoluteDifferenceTop10OneBatch: largestDifference(warm, cold),
    tolerance: PREFIX_TARGETS.probabilityTolerance,
    met: warm.reusedTokens > 0 && maxDifference <= PREFIX_TARGETS.probabilityTolerance,
  };
}
