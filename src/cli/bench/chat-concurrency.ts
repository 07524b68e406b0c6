/** The chat benchmark's concurrency levels: N clients at once through the service, and straight on node-llama-cpp. */
import type { RawGenerator } from "../../llm/raw-generation.ts";
import type { SamplingOptions } from "../../types.ts";
import { postChat } from "./chat-client.ts";
import { peakRssMb, round, summarize } from "./stats.ts";

/** The question every client asks (words the corpus contains, so the model answers it). */
export const CONCURRENCY_QUESTION = "作業遲交怎麼辦？會扣多少分？";

function progress(message: string): void {
  process.stderr.write(`[bench chat] ${message}\n`);
}

/** Peak resident memory while `work` runs, sampled every 100 ms (maxRSS only ever grows). */
async function withRssSampling<T>(work: () => Promise<T>): Promise<{ result: T; peakMb: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 100);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, peakMb: round(peak / 1024 / 1024, 1) };
  } finally {
    clearInterval(timer);
  }
}

/** The same prompt straight on node-llama-cpp's sequences, `clients` at once: the baseline for a level. */
export async function measureRawConcurrency(
  raw: RawGenerator,
  prompt: string,
  clients: number,
  sampling: SamplingOptions,
) {
  const { runs, wallMs } = await raw.generateConcurrently(prompt, sampling, clients);
  const tokens = runs.reduce((sum, run) => sum + run.completionTokens, 0);
  return {
    ttftMs: summarize(runs.map((run) => run.waitMs + run.firstTokenMs)),
    requestTokensPerSecond: summarize(runs.map((run) => run.tokensPerSecond)),
    completionTokens: tokens,
    wallSeconds: round(wallMs / 1000),
    aggregateTokensPerSecond: round(tokens / (wallMs / 1000)),
  };
}

export async function measureConcurrency(url: string, clients: number, sampling: SamplingOptions) {
  const started = performance.now();
  const { result: runs, peakMb } = await withRssSampling(() =>
    Promise.all(Array.from({ length: clients }, () => postChat(url, CONCURRENCY_QUESTION, sampling))),
  );
  const wallSeconds = (performance.now() - started) / 1000;
  const answered = runs.filter((run) => run.ok);
  const tokens = answered.reduce((sum, run) => sum + run.completionTokens, 0);
  const level = {
    clients,
    requests: runs.length,
    errors: {
      overloaded503: runs.filter((run) => run.status === 503).length,
      other: runs.filter((run) => !run.ok && run.status !== 503).length,
    },
    ttftMs: summarize(answered.map((run) => run.ttftMs)),
    requestTokensPerSecond: summarize(answered.map((run) => run.tokensPerSecond)),
    completionTokens: tokens,
    wallSeconds: round(wallSeconds),
    /** All answer tokens over the level's wall time (prompt evaluation included). */
    aggregateTokensPerSecond: round(tokens / wallSeconds),
    peakRssMb: peakMb,
    processMaxRssMb: peakRssMb(),
  };
  progress(
    `${clients} client(s): TTFT p50 ${level.ttftMs.p50} ms, aggregate ${level.aggregateTokensPerSecond} tokens/s, ${level.wallSeconds} s`,
  );
  return level;
}

export type ConcurrencyFigures = Awaited<ReturnType<typeof measureConcurrency>> & {
  raw: Awaited<ReturnType<typeof measureRawConcurrency>>;
  aggregateTokensPerSecondRatio: number;
};
