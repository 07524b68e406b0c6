/**
 * Chat benchmark: time to first token (TTFT) and decode speed of a random model shaped like a real
 * small one (SMALL_MODEL_SHAPE, F16), measured straight on node-llama-cpp and through the whole
 * service (POST /api/chat over HTTP on 127.0.0.1, SSE), then under 1..N concurrent clients.
 * The paired rounds and the concurrency levels run the service cold (LLM_PREFIX_REUSE=false), as the
 * raw baseline always is; a second service with prefix reuse measures what reuse saves.
 * A first pass on the tiny model measures the service's TTFT overhead where prompt evaluation
 * takes milliseconds, since on a CPU the big model's evaluation varies by far more than 50 ms.
 */
import { randomBytes } from "node:crypto";
import { cpSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type Config, loadConfig } from "../../config.ts";
import { createAppLogger, createService } from "../../deps.ts";
import { AppError } from "../../errors.ts";
import { writeTinyEmbedModel } from "../../fixtures/tiny-embed.ts";
import {
  type GgufModelShape,
  SMALL_MODEL_SHAPE,
  TINY_MODEL_SHAPE,
  writeTinyChatModel,
} from "../../fixtures/tiny-gguf.ts";
import { startHttpServer } from "../../http/server.ts";
import { loadRawGenerator, type RawGenerationRun } from "../../llm/raw-generation.ts";
import type { SamplingOptions } from "../../types.ts";
import { getTracePrompt, postChat, requireAnswer, type ServiceRun } from "./chat-client.ts";
import { type ConcurrencyFigures, measureConcurrency, measureRawConcurrency } from "./chat-concurrency.ts";
import { measurePrefixReuse, measureWarmEqualsCold } from "./chat-prefix.ts";
import { summaryLines } from "./chat-summary.ts";
import { peakRssMb, round, spread, summarize } from "./stats.ts";

export interface ChatBenchOptions {
  /** Concurrent client counts to measure, e.g. [1, 2, 4, 8]. */
  clients: number[];
  /** Answer length of the concurrency levels and the tiny-model pass. */
  tokens: number;
  /** Paired single-client rounds (service and raw, alternating order). Default 9. */
  rounds?: number;
  /** Answer length of the paired rounds (decode-only ratio). Default 160. */
  roundTokens?: number;
  /** Shape of the generated chat model. Default SMALL_MODEL_SHAPE; tests pass TINY_MODEL_SHAPE. */
  modelShape?: Readonly<GgufModelShape>;
}

/** A course question with words the corpus contains, so the model answers it (not a fixed reply). */
const QUESTION = "作業遲交怎麼辦？會扣多少分？";
/** Single-client rounds of one service and one raw run each, after one warm-up each. */
const ROUNDS = 9;
const ROUND_TOKENS = 160;
/** Rounds on the tiny model: cheap, and more of them steady the few-millisecond figures. */
const TINY_ROUNDS = 8;
const SEED = 1234;

interface BenchService {
  url: string;
  adminToken: string;
  config: Config;
  close(): Promise<void>;
}

function progress(message: string): void {
  process.stderr.write(`[bench chat] ${message}\n`);
}

/**
 * Bench defaults, then the environment (so LLM_PARALLEL, RETRIEVAL_TOP_K, ... can be changed), then
 * what the bench must own. The shorter prompt (2 passages of ~200 characters: ~1,300 tokens instead
 * of ~3,000) keeps a run to minutes on a 2-core CPU; TTFT grows with the prompt at the reported prefill rate.
 */
function benchConfig(
  root: string,
  name: string,
  threads: number,
  tokens: number,
  serving: { prefixReuse: boolean; parallel?: number; dataName?: string },
): Config {
  return loadConfig({
    LLM_CONTEXT_SIZE: "4096",
    LLM_PARALLEL: String(serving.parallel ?? 4),
    LLM_QUEUE_MAX: "64",
    LLM_TIMEOUT_MS: "600000",
    RETRIEVAL_TOP_K: "2",
    CHUNK_SIZE: "200",
    CHUNK_OVERLAP: "30",
    LOG_LEVEL: "warn",
    ...process.env,
    HOST: "127.0.0.1",
    PORT: "0",
    CORPUS_DIR: join(root, "corpus"),
    DATA_DIR: join(root, `data-${serving.dataName ?? name}`),
    MODELS_DIR: join(root, "models"),
    MODEL: join(root, `${name}.gguf`),
    EMBED_MODEL: join(root, "tiny-embed"),
    LLM_GPU: "cpu",
    LLM_THREADS: String(threads),
    LLM_MAX_TOKENS: String(tokens),
    ADMIN_TOKEN: randomBytes(18).toString("base64url"),
    HTTP_RATE_LIMIT_PER_MINUTE: "0", // one process plays every client
    LLM_PREFIX_REUSE: String(serving.prefixReuse),
  });
}

/** The whole service, in this process, listening on 127.0.0.1. */
async function startBenchService(config: Config): Promise<BenchService> {
  const service = await createService(config, createAppLogger(config));
  try {
    const server = await startHttpServer(service.app, "127.0.0.1", 0);
    let closing: Promise<void> | undefined;
    return {
      url: server.url,
      adminToken: service.adminToken,
      config,
      close: () => {
        closing ??= server.close().then(() => service.close());
        return closing;
      },
    };
  } catch (error) {
    await service.close();
    throw error;
  }
}

/** A warm-up request (it yields the exact prompt), then rounds of a service and a raw run, so load drift hits both alike. */
async function measureSingleClient(
  bench: BenchService,
  sampling: SamplingOptions,
  rounds: number,
  promptSeen: { text?: string } = {},
) {
  const warmUp = requireAnswer(await postChat(bench.url, QUESTION, sampling));
  const prompt = await getTracePrompt(bench.url, bench.adminToken, warmUp.traceId!);
  promptSeen.text = prompt;
  const { model, llm } = bench.config;
  const raw = await loadRawGenerator({
    modelPath: model,
    threads: llm.threads,
    contextSize: llm.contextSize,
    sequences: llm.parallel,
  });
  const service: ServiceRun[] = [];
  const direct: RawGenerationRun[] = [];
  try {
    // Warms threads and buffers without paying for a second full prompt evaluation.
    await raw.generate(prompt.slice(0, 200), { ...sampling, maxTokens: 2 });
    for (let index = 0; index < rounds; index++) {
      // Whichever runs second in a pair ran measurably slower with 2 threads on 2 cores: alternate (ABBA).
      const serviceFirst = index % 4 === 0 || index % 4 === 3;
      if (!serviceFirst) direct.push(await raw.generate(prompt, sampling));
      service.push(requireAnswer(await postChat(bench.url, QUESTION, sampling)));
      if (serviceFirst) direct.push(await raw.generate(prompt, sampling));
      const [serviceRun, rawRun] = [service[index]!, direct[index]!];
      progress(
        `round ${index + 1}/${rounds}: service TTFT ${round(serviceRun.ttftMs)} ms, ${round(serviceRun.tokensPerSecond)} tokens/s; raw TTFT ${round(rawRun.firstTokenMs)} ms, ${round(rawRun.tokensPerSecond)} tokens/s`,
      );
    }
  } finally {
    await raw.close();
  }
  const rawTtfts = direct.map((run) => run.firstTokenMs);
  // Per round, so drift between rounds cancels: service over raw.
  const paired = (ratio: (serviceRun: ServiceRun, rawRun: RawGenerationRun) => number) =>
    spread(service.map((run, index) => ratio(run, direct[index]!)));
  const rawSpeed = summarize(direct.map((run) => run.tokensPerSecond));
  const serviceSpeed = summarize(service.map((run) => run.tokensPerSecond));
  return {
    rounds,
    prompt: {
      serviceTokens: warmUp.promptTokens,
      rawTokens: direct[0]!.promptTokens,
      characters: prompt.length,
    },
    raw: {
      ttftMs: summarize(rawTtfts),
      ttftSpreadMs: round(Math.max(...rawTtfts) - Math.min(...rawTtfts)),
      prefillTokensPerSecond: round(direct[0]!.promptTokens / (summarize(rawTtfts).p50 / 1000), 1),
      tokensPerSecond: rawSpeed,
      completionTokens: direct.map((run) => run.completionTokens),
      endTokensSampled: direct.map((run) => run.endTokens),
    },
    service: {
      ttftBeyondRetrievalMs: summarize(service.map((run) => run.ttftMs)),
      outsideEngineMs: summarize(service.map((run) => run.outsideEngineMs)),
      tokensPerSecond: serviceSpeed,
      retrievalMs: summarize(service.map((run) => run.retrievalMs)),
      promptTokens: service.map((run) => run.promptTokens),
      completionTokens: service.map((run) => run.completionTokens),
    },
    tokensPerSecondRatio: round(rawSpeed.p50 > 0 ? serviceSpeed.p50 / rawSpeed.p50 : 0, 3),
    pairedRatios: {
      decode: paired((serviceRun, rawRun) => serviceRun.tokensPerSecond / rawRun.tokensPerSecond),
      ttftBeyondRetrieval: paired((serviceRun, rawRun) => serviceRun.ttftMs / rawRun.firstTokenMs),
      // Answer tokens over time to first token plus decoding: the whole wait, prompt evaluation included.
      aggregate: paired(
        (serviceRun, rawRun) =>
          serviceRun.completionTokens /
          (serviceRun.ttftMs + serviceRun.decodeMs) /
          (rawRun.completionTokens / (rawRun.firstTokenMs + rawRun.decodeMs)),
      ),
    },
    // Paired by round: both pay the same prompt evaluation, which varies far more than the difference.
    ttftOverheadMs: summarize(service.map((run, index) => run.ttftMs - direct[index]!.firstTokenMs)),
  };
}

export type SingleClientFigures = Awaited<ReturnType<typeof measureSingleClient>>;
export type { ConcurrencyFigures };

export async function benchChat(options: ChatBenchOptions): Promise<Record<string, unknown>> {
  if (!(Number.isInteger(options.tokens) && options.tokens >= 2)) {
    throw new AppError("--tokens must be an integer ≥ 2", "bad_request");
  }
  const threads = loadConfig(process.env).llm.threads;
  const loadBefore = loadavg().map((value) => round(value));
  progress(
    `LLM threads ${threads} (LLM_THREADS; default the core count, ${availableParallelism()}); load average ${loadBefore.join(" ")}`,
  );
  const root = mkdtempSync(join(tmpdir(), "bench-chat-"));
  // Ctrl-C must not leave a 0.7 GB model behind.
  const onSignal = (signal: NodeJS.Signals) => {
    rmSync(root, { recursive: true, force: true });
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const running: BenchService[] = [];
  const start = async (config: Config) => {
    const bench = await startBenchService(config);
    running.push(bench);
    return bench;
  };
  try {
    const shape = options.modelShape ?? SMALL_MODEL_SHAPE;
    progress(
      `writing the chat models (${shape.name}, ${shape.tensorType}; tiny) and the tiny embedding model`,
    );
    await writeTinyChatModel(join(root, "bench.gguf"), shape);
    await writeTinyChatModel(join(root, "tiny.gguf"), TINY_MODEL_SHAPE);
    await writeTinyEmbedModel(join(root, "tiny-embed"));
    cpSync(resolve("corpus"), join(root, "corpus"), { recursive: true });
    const rounds = options.rounds ?? ROUNDS;
    const roundTokens = options.roundTokens ?? ROUND_TOKENS;
    const serviceMaxTokens = Math.max(options.tokens, roundTokens);
    const sampling = (config: Config, maxTokens = options.tokens): SamplingOptions => ({
      ...config.sampling,
      repeatPenalty: 1,
      seed: SEED,
      maxTokens,
    });

    progress("tiny model: service overhead where prompt evaluation takes milliseconds");
    const tinyService = await start(
      benchConfig(root, "tiny", threads, options.tokens, { prefixReuse: false }),
    );
    const tiny = await measureSingleClient(tinyService, sampling(tinyService.config), TINY_ROUNDS);
    await tinyService.close();

    progress(`${shape.name}: ${rounds} paired single-client rounds of ${roundTokens} tokens, both cold`);
    const bench = await start(benchConfig(root, "bench", threads, serviceMaxTokens, { prefixReuse: false }));
    const promptSeen: { text?: string } = {};
    const single = await measureSingleClient(bench, sampling(bench.config, roundTokens), rounds, promptSeen);
    progress(
      `prompt ${single.prompt.serviceTokens} tokens; raw prefill ${single.raw.prefillTokensPerSecond} tokens/s; decode ratio median ${single.pairedRatios.decode.median}, TTFT ratio median ${single.pairedRatios.ttftBeyondRetrieval.median}`,
    );
    const concurrency: ConcurrencyFigures[] = [];
    const raw = await loadRawGenerator({
      modelPath: bench.config.model,
      threads: bench.config.llm.threads,
      contextSize: bench.config.llm.contextSize,
      sequences: bench.config.llm.parallel,
    });
    try {
      for (const clients of options.clients) {
        // Service first, then the same load straight on node-llama-cpp, never both at once.
        const service = await measureConcurrency(bench.url, clients, sampling(bench.config));
        const direct = await measureRawConcurrency(raw, promptSeen.text!, clients, sampling(bench.config));
        progress(
          `${clients} client(s) raw: TTFT p50 ${direct.ttftMs.p50} ms, aggregate ${direct.aggregateTokensPerSecond} tokens/s`,
        );
        concurrency.push({
          ...service,
          raw: direct,
          aggregateTokensPerSecondRatio: round(
            direct.aggregateTokensPerSecond > 0
              ? service.aggregateTokensPerSecond / direct.aggregateTokensPerSecond
              : 0,
            3,
          ),
        });
      }
    } finally {
      await raw.close();
    }
    await bench.close();

    progress(`${shape.name}: prefix reuse (one sequence that keeps what it evaluated)`);
    const warmService = await start(
      benchConfig(root, "bench", threads, serviceMaxTokens, { prefixReuse: true, parallel: 1 }),
    );
    const prefixRaw = await loadRawGenerator({
      modelPath: bench.config.model,
      threads,
      contextSize: bench.config.llm.contextSize,
    });
    let reuse: Awaited<ReturnType<typeof measurePrefixReuse>>;
    try {
      // Fewer pairs on a short run (each pair costs three prompt evaluations of the big model).
      reuse = await measurePrefixReuse(warmService, prefixRaw, sampling(bench.config), rounds >= 9 ? 3 : 2);
    } finally {
      await prefixRaw.close();
      await warmService.close();
    }
    const warmEqualsCold = await measureWarmEqualsCold(
      {
        modelPath: bench.config.model,
        modelsDir: join(root, "models"),
        gpu: "cpu",
        threads,
        contextSize: bench.config.llm.contextSize,
        queueMax: 1,
        requestTimeoutMs: 600_000,
      },
      reuse.prompts.first,
      reuse.prompts.second,
    );
    progress(
      `warm vs cold next-token probabilities: largest difference ${warmEqualsCold.maxAbsoluteDifferenceTop10} against cold batched alike, ${warmEqualsCold.maxAbsoluteDifferenceTop10OneBatch} against one cold batch (${warmEqualsCold.warmReusedTokens} tokens reused warm)`,
    );

    const { llm } = bench.config;
    return {
      benchmark: "chat",
      command: `npm run bench -- chat --clients ${options.clients.join(",")} --tokens ${options.tokens} --rounds ${rounds} --round-tokens ${roundTokens}`,
      machine: {
        cores: availableParallelism(),
        loadAverageBefore: loadBefore,
        loadAverageAfter: loadavg().map((value) => round(value)),
      },
      model: {
        // SMALL_MODEL_SHAPE: Qwen2.5-0.5B's widths and layers, random weights, our ~6k-token vocabulary.
        name: shape.name,
        layers: shape.blockCount,
        width: shape.embeddingLength,
        tensorType: shape.tensorType,
        sizeMb: round(statSync(join(root, "bench.gguf")).size / 1024 / 1024),
        threads,
        contextSize: llm.contextSize,
        parallel: llm.parallel,
        queueMax: llm.queueMax,
      },
      retrieval: { topK: bench.config.retrieval.topK, chunkChars: bench.config.chunk.targetChars },
      question: QUESTION,
      sampling: sampling(bench.config, roundTokens),
      single,
      prefixReuse: { ...reuse, warmEqualsCold },
      tinyModelOverhead: tiny,
      concurrency,
      summary: summaryLines(single, tiny, concurrency, { reuse, warmEqualsCold }),
      peakRssMb: peakRssMb(),
    };
  } finally {
    for (const bench of running) await bench.close().catch(() => {});
    rmSync(root, { recursive: true, force: true });
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
