/** The chat benchmark's summary: one line per figure, with its target and met / not met. */
import type { ConcurrencyFigures, SingleClientFigures } from "./chat.ts";
import { type measurePrefixReuse, type measureWarmEqualsCold, PREFIX_TARGETS } from "./chat-prefix.ts";
import { round, type spread } from "./stats.ts";

export const TARGETS = {
  /** Paired rounds, median of service ÷ raw decode tokens/s. */
  decodeRatio: 0.95,
  /** Paired rounds, median of service TTFT beyond retrieval ÷ raw TTFT (both cold). */
  ttftRatio: 1.05,
  /** Concurrency levels: service ÷ raw aggregate tokens/s. */
  aggregateRatio: 0.9,
  ttftOverheadMs: 50,
};

export interface SummaryLine {
  figure: string;
  value: number;
  /** Median and spread of per-round figures, where the value is such a median. */
  spread?: string;
  target: string | null;
  /** "met" / "not met"; null for figures without a target. */
  met: boolean | null;
  verdict?: "met" | "not met";
}

/** One summary line; figures without a target have `target` and `met` null. */
function line(
  figure: string,
  value: number,
  target: string | null = null,
  met: boolean | null = null,
  rounds?: ReturnType<typeof spread>,
): SummaryLine {
  return {
    figure,
    value: round(value, 3),
    ...(rounds && {
      spread: `min–max ${rounds.min}–${rounds.max}, IQR ${rounds.q1}–${rounds.q3}, n ${rounds.n}`,
    }),
    target,
    met,
    ...(met !== null && { verdict: met ? "met" : "not met" }),
  };
}

export function summaryLines(
  single: SingleClientFigures,
  tiny: SingleClientFigures,
  levels: ConcurrencyFigures[],
  prefix: {
    reuse: Awaited<ReturnType<typeof measurePrefixReuse>>;
    warmEqualsCold: Awaited<ReturnType<typeof measureWarmEqualsCold>>;
  },
): SummaryLine[] {
  const { decode, ttftBeyondRetrieval, aggregate } = single.pairedRatios;
  const { sameQuestionRatio: same, otherQuestionRatio: other } = prefix.reuse;
  const probabilities = prefix.warmEqualsCold;
  const tinyOverhead = tiny.ttftOverheadMs.p50;
  return [
    line(
      "prefix reuse: same first question from a new conversation, TTFT ÷ raw cold TTFT (median)",
      same.median,
      `<= ${PREFIX_TARGETS.sameQuestionRatio}`,
      same.median <= PREFIX_TARGETS.sameQuestionRatio,
      same,
    ),
    line(
      "prefix reuse: a different question after it (same system prompt, other passages), TTFT ÷ raw cold TTFT (median)",
      other.median,
      `<= ${PREFIX_TARGETS.otherQuestionRatio}`,
      other.median <= PREFIX_TARGETS.otherQuestionRatio,
      other,
    ),
    line(
      `prefix reuse: warm vs cold next-token probabilities (cold batched as warm), largest difference in the top 10 (against one cold batch: ${probabilities.maxAbsoluteDifferenceTop10OneBatch})`,
      probabilities.maxAbsoluteDifferenceTop10,
      `<= ${PREFIX_TARGETS.probabilityTolerance} (and prompt tokens reused > 0)`,
      probabilities.met,
    ),
    line(
      `service ÷ raw decode tokens/s, paired rounds of ${single.service.completionTokens[0] ?? 0} tokens (median)`,
      decode.median,
      `>= ${TARGETS.decodeRatio}`,
      decode.median >= TARGETS.decodeRatio,
      decode,
    ),
    line(
      "service TTFT beyond retrieval ÷ raw TTFT, both cold, paired rounds (median)",
      ttftBeyondRetrieval.median,
      `<= ${TARGETS.ttftRatio}`,
      ttftBeyondRetrieval.median <= TARGETS.ttftRatio,
      ttftBeyondRetrieval,
    ),
    line(
      "service ÷ raw aggregate tokens/s (answer tokens over TTFT + decode), paired rounds (median)",
      aggregate.median,
      null,
      null,
      aggregate,
    ),
    line(
      `service − raw TTFT beyond retrieval on the tiny model (prefill ${round(tiny.raw.ttftMs.p50)} ms), ms (p50)`,
      tinyOverhead,
      `<= ${TARGETS.ttftOverheadMs}`,
      tinyOverhead <= TARGETS.ttftOverheadMs,
    ),
    line(
      "service TTFT outside the engine (HTTP, trace, history, prompt building), ms (p50)",
      single.service.outsideEngineMs.p50,
    ),
    line("raw decode tokens per second (p50)", single.raw.tokensPerSecond.p50),
    line("service decode tokens per second (p50)", single.service.tokensPerSecond.p50),
    line("raw TTFT ms (p50)", single.raw.ttftMs.p50),
    line("service TTFT beyond retrieval ms (p50)", single.service.ttftBeyondRetrievalMs.p50),
    ...levels.flatMap((level) => {
      const at = `at ${level.clients} client(s)`;
      const errors = level.errors.overloaded503 + level.errors.other;
      return [
        line(`errors ${at}`, errors, "0", errors === 0),
        line(`TTFT p50 ms ${at}`, level.ttftMs.p50),
        line(`TTFT p95 ms ${at}`, level.ttftMs.p95),
        line(`aggregate tokens per second ${at}`, level.aggregateTokensPerSecond),
        line(`raw node-llama-cpp aggregate tokens per second ${at}`, level.raw.aggregateTokensPerSecond),
        line(
          `service/raw aggregate tokens per second ${at} (prompt evaluation included)`,
          level.aggregateTokensPerSecondRatio,
          `>= ${TARGETS.aggregateRatio}`,
          level.aggregateTokensPerSecondRatio >= TARGETS.aggregateRatio,
        ),
        line(`raw TTFT p50 ms ${at}`, level.raw.ttftMs.p50),
        line(`per-request tokens per second p50 ${at}`, level.requestTokensPerSecond.p50),
        line(`peak RSS MB ${at}`, level.peakRssMb),
      ];
    }),
  ];
}
