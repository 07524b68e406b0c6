/**
 * Chat benchmark: time to first token (TTFT) and decode speed of a random model shaped like a real
 * small one (SMALL_MODEL_SHAPE, F16), measured straight on node-llama-cpp and through the whole
 * service (POST /api/chat over HTTP on 127.0.0.1, SSE), then under 1..N concurrent clients.
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
import { loadRawGenerator, type RawGenerationRun, type RawGenerator } from "../../llm/raw-generation.ts";
import type { SamplingOptions } from "../../types.ts";
import { getTracePrompt, postChat, requireAnswer, type ServiceRun } from "./chat-client.ts";
import { peakRssMb, round, summarize } from "./stats.ts";

export interface ChatBenchOptions {
  /** Concurrent client counts to measure, e.g. [1, 2, 4, 8]. */
  clients: number[];
  /** Answer length: maxTokens of every request. */
  tokens: number;
  /** Shape of the generated chat model. Default SMALL_MODEL_SHAPE; tests pass TINY_MODEL_SHAPE. */
  modelShape?: Readonly<GgufModelShape>;
}

/** A course question with words the corpus contains, so the model answers it (not a fixed reply). */
const QUESTION = "作業遲交怎麼辦？會扣多少分？";
/** Single-client rounds of one service and one raw run each, after one warm-up each. */
const ROUNDS = 4;
/** Rounds on the tiny model: cheap, and more of them steady the few-millisecond figures. */
const TINY_ROUNDS = 8;
const SEED = 1234;
const TARGETS = { tokensPerSecondRatio: 0.9, ttftOverheadMs: 50 };

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
function benchConfig(root: string, name: string, threads: number, tokens: number): Config {
  return loadConfig({
    LLM_CONTEXT_SIZE: "4096",
    LLM_PARALLEL: "4",
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
    DATA_DIR: join(root, `data-${name}`),
    MODELS_DIR: join(root, "models"),
    MODEL: join(root, `${name}.gguf`),
    EMBED_MODEL: join(root, "tiny-embed"),
    LLM_GPU: "cpu",
    LLM_THREADS: String(threads),
    LLM_MAX_TOKENS: String(tokens),
    ADMIN_TOKEN: randomBytes(18).toString("base64url"),
    HTTP_RATE_LIMIT_PER_MINUTE: "0", // one process plays every client
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
    // Paired by round: both pay the same prompt evaluation, which varies far more than the difference.
    ttftOverheadMs: summarize(service.map((run, index) => run.ttftMs - direct[index]!.firstTokenMs)),
  };
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
async function measureRawConcurrency(
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

async function measureConcurrency(url: string, clients: number, sampling: SamplingOptions) {
  const started = performance.now();
  const { result: runs, peakMb } = await withRssSampling(() =>
    Promise.all(Array.from({ length: clients }, () => postChat(url, QUESTION, sampling))),
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

/** One summary line; figures without a target have `target` and `met` null. */
function line(figure: string, value: number, target: string | null = null, met: boolean | null = null) {
  return { figure, value: round(value), target, met };
}

function summaryLines(
  single: Awaited<ReturnType<typeof measureSingleClient>>,
  tiny: Awaited<ReturnType<typeof measureSingleClient>>,
  levels: (Awaited<ReturnType<typeof measureConcurrency>> & {
    raw: Awaited<ReturnType<typeof measureRawConcurrency>>;
    aggregateTokensPerSecondRatio: number;
  })[],
) {
  const { tokensPerSecondRatio: minRatio, ttftOverheadMs: maxMs } = TARGETS;
  const ratio = single.tokensPerSecondRatio;
  const overhead = single.ttftOverheadMs.p50;
  const tinyOverhead = tiny.ttftOverheadMs.p50;
  return [
    line("service/raw decode tokens per second (p50)", ratio, `>= ${minRatio}`, ratio >= minRatio),
    line(
      "service − raw TTFT beyond retrieval, ms (p50 of paired rounds)",
      overhead,
      `<= ${maxMs}`,
      overhead <= maxMs,
    ),
    line("raw TTFT spread across rounds, ms (noise in the line above)", single.raw.ttftSpreadMs),
    line(
      `service − raw TTFT beyond retrieval on the tiny model (prefill ${round(tiny.raw.ttftMs.p50)} ms), ms (p50)`,
      tinyOverhead,
      `<= ${maxMs}`,
      tinyOverhead <= maxMs,
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
          `>= ${TARGETS.tokensPerSecondRatio}`,
          level.aggregateTokensPerSecondRatio >= TARGETS.tokensPerSecondRatio,
        ),
        line(`raw TTFT p50 ms ${at}`, level.raw.ttftMs.p50),
        line(`per-request tokens per second p50 ${at}`, level.requestTokensPerSecond.p50),
        line(`peak RSS MB ${at}`, level.peakRssMb),
      ];
    }),
  ];
}

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
    const sampling = (config: Config): SamplingOptions => ({
      ...config.sampling,
      repeatPenalty: 1,
      seed: SEED,
      maxTokens: options.tokens,
    });

    progress("tiny model: service overhead where prompt evaluation takes milliseconds");
    const tinyService = await start(benchConfig(root, "tiny", threads, options.tokens));
    const tiny = await measureSingleClient(tinyService, sampling(tinyService.config), TINY_ROUNDS);
    await tinyService.close();

    progress(`${shape.name}: single client`);
    const bench = await start(benchConfig(root, "bench", threads, options.tokens));
    const promptSeen: { text?: string } = {};
    const single = await measureSingleClient(bench, sampling(bench.config), ROUNDS, promptSeen);
    progress(
      `prompt ${single.prompt.serviceTokens} tokens; raw prefill ${single.raw.prefillTokensPerSecond} tokens/s`,
    );
    const concurrency: (Awaited<ReturnType<typeof measureConcurrency>> & {
      raw: Awaited<ReturnType<typeof measureRawConcurrency>>;
      aggregateTokensPerSecondRatio: number;
    })[] = [];
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

    const { llm } = bench.config;
    return {
      benchmark: "chat",
      command: `npm run bench -- chat --clients ${options.clients.join(",")} --tokens ${options.tokens}`,
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
      sampling: sampling(bench.config),
      single,
      tinyModelOverhead: tiny,
      concurrency,
      summary: summaryLines(single, tiny, concurrency),
      peakRssMb: peakRssMb(),
    };
  } finally {
    for (const bench of running) await bench.close().catch(() => {});
    rmSync(root, { recursive: true, force: true });
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
