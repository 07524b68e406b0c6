/**
 * Chat benchmark: time to first token and decode speed of a random model shaped like a real small
 * one (SMALL_MODEL_SHAPE, F16), measured straight on node-llama-cpp and through the whole service
 * (POST /api/chat over HTTP on 127.0.0.1, SSE), then under 1..N concurrent clients.
 */
import { randomBytes } from "node:crypto";
import { cpSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type Config, loadConfig } from "../../config.ts";
import { createAppLogger, createService, type Service } from "../../deps.ts";
import { AppError } from "../../errors.ts";
import { writeTinyEmbedModel } from "../../fixtures/tiny-embed.ts";
import { type GgufModelShape, SMALL_MODEL_SHAPE, writeTinyChatModel } from "../../fixtures/tiny-gguf.ts";
import { type RunningServer, startHttpServer } from "../../http/server.ts";
import { loadRawGenerator, type RawGenerationRun, type RawGenerator } from "../../llm/raw-generation.ts";
import type { SamplingOptions } from "../../types.ts";
import { peakRssMb, round, summarize } from "./stats.ts";

export interface ChatBenchOptions {
  /** Concurrent client counts to measure, e.g. [1, 2, 4, 8]. */
  clients: number[];
  /** Answer length: maxTokens of every request. */
  tokens: number;
  /** Shape of the generated chat model. Default SMALL_MODEL_SHAPE; tests pass TINY_MODEL_SHAPE. */
  modelShape?: Readonly<GgufModelShape>;
}

/** A course question with words the corpus contains, so it is answered by the model (not a fixed reply). */
const QUESTION = "作業遲交怎麼辦？會扣多少分？";
/** Single-client rounds of each of raw and service (interleaved), after one warm-up each. */
const ROUNDS = 3;
const SEED = 1234;

const TARGETS = {
  tokensPerSecondRatio: 0.9,
  ttftOverheadMs: 50,
};

interface ServiceRun {
  status: number;
  /** HTTP 200 and a `done` event. */
  ok: boolean;
  error?: string;
  mode?: string;
  traceId?: string;
  promptTokens: number;
  completionTokens: number;
  retrievalMs: number;
  /** Request sent → first `text-delta`, minus the retrieval time the service reports. */
  ttftMs: number;
  /** The part of ttftMs outside retrieval and the engine (HTTP, trace, history, prompt building, SSE). */
  outsideEngineMs: number;
  /** Completion tokens after the first one, over first → last `text-delta`. */
  tokensPerSecond: number;
}

/** One SSE event from the wire. */
function parseSseBlock(block: string): { event: string; data: string } {
  let event = "message";
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) event = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  return { event, data: data.join("\n") };
}

/** node:http with no keep-alive agent: every request gets its own connection (no idle-socket races). */
function openRequest(
  url: string,
  init: { method: string; path: string; headers: Record<string, string>; body?: string },
): Promise<{ status: number; body: AsyncIterable<Buffer> }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolvePromise, reject) => {
    const request = httpRequest(
      { hostname, port, path: init.path, method: init.method, headers: init.headers, agent: false },
      (response) => resolvePromise({ status: response.statusCode ?? 0, body: response }),
    );
    request.on("error", reject);
    request.end(init.body);
  });
}

async function readAll(body: AsyncIterable<Buffer>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of body) parts.push(part);
  return Buffer.concat(parts).toString("utf8");
}

async function postChat(url: string, sampling: SamplingOptions): Promise<ServiceRun> {
  const body = JSON.stringify({ message: QUESTION, sampling, userId: "bench" });
  const started = performance.now();
  const run: ServiceRun = {
    status: 0,
    ok: false,
    promptTokens: 0,
    completionTokens: 0,
    retrievalMs: 0,
    ttftMs: 0,
    outsideEngineMs: 0,
    tokensPerSecond: 0,
  };
  let response: Awaited<ReturnType<typeof openRequest>>;
  try {
    response = await openRequest(url, {
      method: "POST",
      path: "/api/chat",
      headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) },
      body,
    });
  } catch (error) {
    return { ...run, error: String(error) };
  }
  run.status = response.status;
  if (response.status !== 200) {
    const text = await readAll(response.body);
    return { ...run, error: text.slice(0, 200) };
  }
  let firstDeltaAt = 0;
  // Retrieval + the engine's own time to first token, as the service's trace records them.
  let serverFirstTokenMs = 0;
  let lastDeltaAt = 0;
  let buffer = "";
  const decoder = new TextDecoder();
  for await (const part of response.body) {
    const now = performance.now();
    buffer += decoder.decode(part, { stream: true });
    const blocks = buffer.split("\n\n");
    buffer = blocks.pop() ?? "";
    for (const block of blocks) {
      if (block.trim() === "") continue;
      const { event, data } = parseSseBlock(block);
      if (event === "text-delta") {
        if (firstDeltaAt === 0) firstDeltaAt = now;
        lastDeltaAt = now;
      } else if (event === "done") {
        const done = JSON.parse(data) as {
          traceId: string;
          mode: string;
          usage: { promptTokens: number; completionTokens: number };
          timings: { retrievalMs: number; firstTokenMs: number };
        };
        run.ok = true;
        run.traceId = done.traceId;
        run.mode = done.mode;
        run.promptTokens = done.usage.promptTokens;
        run.completionTokens = done.usage.completionTokens;
        run.retrievalMs = done.timings.retrievalMs;
        serverFirstTokenMs = done.timings.firstTokenMs;
      } else if (event === "error") {
        run.error = data.slice(0, 200);
      }
    }
  }
  if (!run.ok) return run;
  // An answer that is only an end token has no text: its first "token" is the done event.
  if (firstDeltaAt === 0) firstDeltaAt = lastDeltaAt = performance.now();
  run.ttftMs = firstDeltaAt - started - run.retrievalMs;
  run.outsideEngineMs = firstDeltaAt - started - serverFirstTokenMs;
  // An answer shorter than maxTokens ended on the end token, which is counted but has no text.
  const textTokens = run.completionTokens - (run.completionTokens < sampling.maxTokens ? 1 : 0);
  const decodeSeconds = (lastDeltaAt - firstDeltaAt) / 1000;
  run.tokensPerSecond = decodeSeconds > 0 ? (textTokens - 1) / decodeSeconds : 0;
  return run;
}

async function getTracePrompt(url: string, adminToken: string, traceId: string): Promise<string> {
  const response = await openRequest(url, {
    method: "GET",
    path: `/api/admin/traces/${encodeURIComponent(traceId)}`,
    headers: { authorization: `Bearer ${adminToken}` },
  });
  const text = await readAll(response.body);
  if (response.status !== 200)
    throw new AppError(`trace ${traceId}: HTTP ${response.status} ${text}`, "internal");
  return (JSON.parse(text) as { prompt: string }).prompt;
}

function requireAnswer(run: ServiceRun): ServiceRun {
  if (!run.ok || run.mode !== "answer") {
    throw new AppError(
      `the benchmark question was not answered by the model (HTTP ${run.status}, mode ${run.mode ?? "none"}): ${run.error ?? ""}`,
      "internal",
    );
  }
  return run;
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

function concurrencyFigures(clients: number, runs: ServiceRun[], wallMs: number, rssMb: number) {
  const answered = runs.filter((run) => run.ok);
  const tokens = answered.reduce((sum, run) => sum + run.completionTokens, 0);
  return {
    clients,
    requests: runs.length,
    errors: {
      overloaded503: runs.filter((run) => run.status === 503).length,
      other: runs.filter((run) => !run.ok && run.status !== 503).length,
    },
    ttftMs: summarize(answered.map((run) => run.ttftMs)),
    requestTokensPerSecond: summarize(answered.map((run) => run.tokensPerSecond)),
    completionTokens: tokens,
    wallSeconds: round(wallMs / 1000),
    /** All answer tokens over the wall time of the level (prompt evaluation included). */
    aggregateTokensPerSecond: round(tokens / (wallMs / 1000)),
    peakRssMb: rssMb,
    processMaxRssMb: peakRssMb(),
  };
}

/**
 * Bench defaults, then the environment (so LLM_PARALLEL, RETRIEVAL_TOP_K, ... can be changed), then
 * what the bench must own. The shorter prompt (2 passages of ~200 characters, ~1,300 tokens instead
 * of ~3,000) keeps a run to minutes on a 2-core CPU; TTFT grows with the prompt at the reported prefill rate.
 */
function benchConfig(root: string, threads: number, tokens: number): Config {
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
    DATA_DIR: join(root, "data"),
    MODELS_DIR: join(root, "models"),
    MODEL: join(root, "bench-chat.gguf"),
    EMBED_MODEL: join(root, "tiny-embed"),
    LLM_GPU: "cpu",
    LLM_THREADS: String(threads),
    LLM_MAX_TOKENS: String(tokens),
    ADMIN_TOKEN: randomBytes(18).toString("base64url"),
  });
}

/** One summary line; figures without a target have `target` and `met` null. */
function line(figure: string, value: number, target: string | null = null, met: boolean | null = null) {
  return { figure, value: round(value), target, met };
}

function progress(message: string): void {
  process.stderr.write(`[bench chat] ${message}\n`);
}

/** Rounds of service and raw runs, interleaved so a change in machine load hits both alike. */
async function singleClientRounds(url: string, raw: RawGenerator, prompt: string, sampling: SamplingOptions) {
  const service: ServiceRun[] = [];
  const direct: RawGenerationRun[] = [];
  for (let index = 0; index < ROUNDS; index++) {
    const serviceRun = requireAnswer(await postChat(url, sampling));
    const rawRun = await raw.generate(prompt, sampling);
    service.push(serviceRun);
    direct.push(rawRun);
    progress(
      `round ${index + 1}/${ROUNDS}: service TTFT ${round(serviceRun.ttftMs)} ms, ${round(serviceRun.tokensPerSecond)} tokens/s; raw TTFT ${round(rawRun.firstTokenMs)} ms, ${round(rawRun.tokensPerSecond)} tokens/s`,
    );
  }
  const rawTtfts = direct.map((run) => run.firstTokenMs);
  const rawTtft = summarize(rawTtfts);
  const rawSpeed = summarize(direct.map((run) => run.tokensPerSecond));
  const serviceTtft = summarize(service.map((run) => run.ttftMs));
  const serviceSpeed = summarize(service.map((run) => run.tokensPerSecond));
  // Paired by round: the prompt evaluation both pay dwarfs the difference, and load drifts between rounds.
  const ttftOverhead = summarize(service.map((run, index) => run.ttftMs - direct[index]!.firstTokenMs));
  return {
    rounds: ROUNDS,
    raw: {
      ttftMs: rawTtft,
      tokensPerSecond: rawSpeed,
      ttftSpreadMs: round(Math.max(...rawTtfts) - Math.min(...rawTtfts)),
      prefillTokensPerSecond: round(direct[0]!.promptTokens / (rawTtft.p50 / 1000), 1),
      completionTokens: direct.map((run) => run.completionTokens),
      endTokensSampled: direct.map((run) => run.endTokens),
    },
    service: {
      ttftBeyondRetrievalMs: serviceTtft,
      outsideEngineMs: summarize(service.map((run) => run.outsideEngineMs)),
      tokensPerSecond: serviceSpeed,
      retrievalMs: summarize(service.map((run) => run.retrievalMs)),
      promptTokens: service.map((run) => run.promptTokens),
      completionTokens: service.map((run) => run.completionTokens),
    },
    tokensPerSecondRatio: round(rawSpeed.p50 > 0 ? serviceSpeed.p50 / rawSpeed.p50 : 0, 3),
    ttftOverheadMs: ttftOverhead,
  };
}

async function concurrencyLevels(url: string, clientCounts: number[], sampling: SamplingOptions) {
  const levels: ReturnType<typeof concurrencyFigures>[] = [];
  for (const clients of clientCounts) {
    const started = performance.now();
    const { result: runs, peakMb } = await withRssSampling(() =>
      Promise.all(Array.from({ length: clients }, () => postChat(url, sampling))),
    );
    const level = concurrencyFigures(clients, runs, performance.now() - started, peakMb);
    levels.push(level);
    progress(
      `${clients} client(s): TTFT p50 ${level.ttftMs.p50} ms, aggregate ${level.aggregateTokensPerSecond} tokens/s, ${level.wallSeconds} s`,
    );
  }
  return levels;
}

function summaryLines(
  single: Awaited<ReturnType<typeof singleClientRounds>>,
  levels: ReturnType<typeof concurrencyFigures>[],
) {
  const { tokensPerSecondRatio: ratio, ttftOverheadMs: overhead } = single;
  const { tokensPerSecondRatio: minRatio, ttftOverheadMs: maxOverhead } = TARGETS;
  const outside = single.service.outsideEngineMs.p50;
  return [
    line("service/raw decode tokens per second (p50)", ratio, `>= ${minRatio}`, ratio >= minRatio),
    line(
      "service − raw TTFT beyond retrieval, ms (p50 of paired rounds)",
      overhead.p50,
      `<= ${maxOverhead}`,
      overhead.p50 <= maxOverhead,
    ),
    line("raw TTFT spread across rounds, ms (noise in the figure above)", single.raw.ttftSpreadMs),
    line(
      "service TTFT outside the engine (HTTP, trace, history, prompt building), ms (p50)",
      outside,
      `<= ${maxOverhead}`,
      outside <= maxOverhead,
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
  let service: Service | undefined;
  let server: RunningServer | undefined;
  let raw: RawGenerator | undefined;
  try {
    const shape = options.modelShape ?? SMALL_MODEL_SHAPE;
    progress(`writing the chat model (${shape.name}, ${shape.tensorType}) and the tiny embedding model`);
    const modelPath = join(root, "bench-chat.gguf");
    await writeTinyChatModel(modelPath, shape);
    await writeTinyEmbedModel(join(root, "tiny-embed"));
    cpSync(resolve("corpus"), join(root, "corpus"), { recursive: true });

    const config = benchConfig(root, threads, options.tokens);
    service = await createService(config, createAppLogger(config));
    server = await startHttpServer(service.app, "127.0.0.1", 0);
    const url = server.url;
    const sampling: SamplingOptions = {
      ...config.sampling,
      repeatPenalty: 1,
      seed: SEED,
      maxTokens: options.tokens,
    };

    // The warm-up request also yields the exact prompt the model saw, for the raw runs.
    const warmUp = requireAnswer(await postChat(url, sampling));
    const prompt = await getTracePrompt(url, service.adminToken, warmUp.traceId!);
    const llm = config.llm;
    raw = await loadRawGenerator({
      modelPath: config.model,
      threads,
      contextSize: llm.contextSize,
      sequences: llm.parallel,
    });
    const rawPromptTokens = raw.countPromptTokens(prompt);
    progress(
      `prompt ${warmUp.promptTokens} tokens (${rawPromptTokens} re-tokenized); warm-up TTFT ${round(warmUp.ttftMs)} ms`,
    );
    // Warms threads and buffers without paying for a second full prompt evaluation.
    await raw.generate(prompt.slice(0, 200), { ...sampling, maxTokens: 2 });

    const single = await singleClientRounds(url, raw, prompt, sampling);
    await raw.close();
    raw = undefined;
    const concurrency = await concurrencyLevels(url, options.clients, sampling);

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
        sizeMb: round(statSync(modelPath).size / 1024 / 1024),
        threads,
        contextSize: llm.contextSize,
        parallel: llm.parallel,
        queueMax: llm.queueMax,
      },
      retrieval: { topK: config.retrieval.topK, chunkChars: config.chunk.targetChars },
      question: QUESTION,
      sampling,
      prompt: { serviceTokens: warmUp.promptTokens, rawTokens: rawPromptTokens, characters: prompt.length },
      single,
      concurrency,
      summary: summaryLines(single, concurrency),
      peakRssMb: peakRssMb(),
    };
  } finally {
    await raw?.close().catch(() => {});
    await server?.close().catch(() => {});
    await service?.close().catch(() => {});
    rmSync(root, { recursive: true, force: true });
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
