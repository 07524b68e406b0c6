/**
 * Chat benchmark: time to first token and decode speed of a random model shaped like a real small
 * one (SMALL_MODEL_SHAPE, F16), measured straight on node-llama-cpp and through the whole service
 * (POST /api/chat over HTTP on 127.0.0.1, SSE), then under 1..N concurrent clients.
 */
import { randomBytes } from "node:crypto";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type Config, loadConfig } from "../../config.ts";
import { createAppLogger, createService, type Service } from "../../deps.ts";
import { AppError } from "../../errors.ts";
import { writeTinyEmbedModel } from "../../fixtures/tiny-embed.ts";
import { SMALL_MODEL_SHAPE, writeTinyChatModel } from "../../fixtures/tiny-gguf.ts";
import { type RunningServer, startHttpServer } from "../../http/server.ts";
import { loadRawGenerator, type RawGenerationRun, type RawGenerator } from "../../llm/raw-generation.ts";
import type { SamplingOptions } from "../../types.ts";
import { peakRssMb, round, summarize } from "./stats.ts";

export interface ChatBenchOptions {
  /** Concurrent client counts to measure, e.g. [1, 2, 4, 8]. */
  clients: number[];
  /** Answer length: maxTokens of every request. */
  tokens: number;
}

/** A course question with words the corpus contains, so it is answered by the model (not a fixed reply). */
const QUESTION = "作業遲交怎麼辦？會扣多少分？";
/** Single-client rounds of each of raw and service (interleaved), after one warm-up each. */
const ROUNDS = 3;
/** Sequences the service serves at once; more clients queue. */
const PARALLEL = 4;
const CONTEXT_SIZE = 4096;
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
  /** Completion tokens after the first one, over first → last `text-delta`. */
  tokensPerSecond: number;
  requestMs: number;
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
    tokensPerSecond: 0,
    requestMs: 0,
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
    return { ...run, error: String(error), requestMs: performance.now() - started };
  }
  run.status = response.status;
  if (response.status !== 200) {
    const text = await readAll(response.body);
    return { ...run, error: text.slice(0, 200), requestMs: performance.now() - started };
  }
  let firstDeltaAt = 0;
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
          timings: { retrievalMs: number };
        };
        run.ok = true;
        run.traceId = done.traceId;
        run.mode = done.mode;
        run.promptTokens = done.usage.promptTokens;
        run.completionTokens = done.usage.completionTokens;
        run.retrievalMs = done.timings.retrievalMs;
      } else if (event === "error") {
        run.error = data.slice(0, 200);
      }
    }
  }
  run.requestMs = performance.now() - started;
  if (!run.ok) return run;
  run.ttftMs = firstDeltaAt - started - run.retrievalMs;
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

function benchConfig(root: string, threads: number, tokens: number): Config {
  return loadConfig({
    ...process.env,
    HOST: "127.0.0.1",
    PORT: "0",
    CORPUS_DIR: join(root, "corpus"),
    DATA_DIR: join(root, "data"),
    MODELS_DIR: join(root, "models"),
    MODEL: join(root, "small-chat.gguf"),
    EMBED_MODEL: join(root, "tiny-embed"),
    LLM_GPU: "cpu",
    LLM_THREADS: String(threads),
    LLM_CONTEXT_SIZE: String(CONTEXT_SIZE),
    LLM_PARALLEL: String(PARALLEL),
    LLM_QUEUE_MAX: "64",
    LLM_TIMEOUT_MS: "600000",
    LLM_MAX_TOKENS: String(tokens),
    ADMIN_TOKEN: randomBytes(18).toString("base64url"),
    LOG_LEVEL: "warn",
  });
}

function summaryLine(figure: string, value: number, target: string | null, met: boolean | null) {
  return { figure, value: round(value), target, met };
}

function progress(message: string): void {
  process.stderr.write(`[bench chat] ${message}\n`);
}

export async function benchChat(options: ChatBenchOptions): Promise<Record<string, unknown>> {
  if (!(Number.isInteger(options.tokens) && options.tokens >= 2)) {
    throw new AppError("--tokens must be an integer ≥ 2", "bad_request");
  }
  const threads = loadConfig(process.env).llm.threads;
  const loadBefore = loadavg().map((value) => round(value));
  progress(
    `LLM threads ${threads} (LLM_THREADS, default the core count ${availableParallelism()}); load average ${loadBefore.join(" ")}`,
  );
  const root = mkdtempSync(join(tmpdir(), "bench-chat-"));
  let service: Service | undefined;
  let server: RunningServer | undefined;
  let raw: RawGenerator | undefined;
  try {
    progress(
      `writing the F16 model (${SMALL_MODEL_SHAPE.blockCount} layers × ${SMALL_MODEL_SHAPE.embeddingLength})`,
    );
    await writeTinyChatModel(join(root, "small-chat.gguf"), SMALL_MODEL_SHAPE);
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

    progress("service warm-up request");
    const warmUp = requireAnswer(await postChat(url, sampling));
    const prompt = await getTracePrompt(url, service.adminToken, warmUp.traceId!);

    raw = await loadRawGenerator({
      modelPath: config.model,
      threads,
      contextSize: CONTEXT_SIZE,
      sequences: PARALLEL,
    });
    const rawPromptTokens = raw.countPromptTokens(prompt);
    // Warms threads and buffers without paying for a second full prompt evaluation.
    await raw.generate(prompt.slice(0, 200), { ...sampling, maxTokens: 2 });

    const serviceRuns: ServiceRun[] = [];
    const rawRuns: RawGenerationRun[] = [];
    for (let roundIndex = 0; roundIndex < ROUNDS; roundIndex++) {
      progress(`single-client round ${roundIndex + 1}/${ROUNDS}: service, then raw`);
      serviceRuns.push(requireAnswer(await postChat(url, sampling)));
      rawRuns.push(await raw.generate(prompt, sampling));
    }
    await raw.close();
    raw = undefined;

    const rawTtft = summarize(rawRuns.map((run) => run.firstTokenMs));
    const rawSpeed = summarize(rawRuns.map((run) => run.tokensPerSecond));
    const serviceTtft = summarize(serviceRuns.map((run) => run.ttftMs));
    const serviceSpeed = summarize(serviceRuns.map((run) => run.tokensPerSecond));
    const ratio = rawSpeed.p50 > 0 ? serviceSpeed.p50 / rawSpeed.p50 : 0;
    const ttftOverhead = serviceTtft.p50 - rawTtft.p50;

    const concurrency: ReturnType<typeof concurrencyFigures>[] = [];
    for (const clients of options.clients) {
      progress(`${clients} concurrent client(s)`);
      const started = performance.now();
      const { result: runs, peakMb } = await withRssSampling(() =>
        Promise.all(Array.from({ length: clients }, () => postChat(url, sampling))),
      );
      concurrency.push(concurrencyFigures(clients, runs, performance.now() - started, peakMb));
    }

    const summary = [
      summaryLine(
        "service/raw decode tokens per second (p50)",
        ratio,
        `>= ${TARGETS.tokensPerSecondRatio}`,
        ratio >= TARGETS.tokensPerSecondRatio,
      ),
      summaryLine(
        "service − raw TTFT beyond retrieval, ms (p50)",
        ttftOverhead,
        `<= ${TARGETS.ttftOverheadMs}`,
        ttftOverhead <= TARGETS.ttftOverheadMs,
      ),
      summaryLine("raw decode tokens per second (p50)", rawSpeed.p50, null, null),
      summaryLine("service decode tokens per second (p50)", serviceSpeed.p50, null, null),
      summaryLine("raw TTFT ms (p50)", rawTtft.p50, null, null),
      summaryLine("service TTFT ms beyond retrieval (p50)", serviceTtft.p50, null, null),
      ...concurrency.flatMap((level) => [
        summaryLine(
          `errors at ${level.clients} client(s)`,
          level.errors.overloaded503 + level.errors.other,
          "0",
          level.errors.overloaded503 + level.errors.other === 0,
        ),
        summaryLine(`TTFT p95 ms at ${level.clients} client(s)`, level.ttftMs.p95, null, null),
        summaryLine(
          `aggregate tokens per second at ${level.clients} client(s)`,
          level.aggregateTokensPerSecond,
          null,
          null,
        ),
        summaryLine(`peak RSS MB at ${level.clients} client(s)`, level.peakRssMb, null, null),
      ]),
    ];

    return {
      benchmark: "chat",
      command: `npm run bench -- chat --clients ${options.clients.join(",")} --tokens ${options.tokens}`,
      machine: {
        cores: availableParallelism(),
        loadAverageBefore: loadBefore,
        loadAverageAfter: loadavg().map((value) => round(value)),
      },
      model: {
        shape: "SMALL_MODEL_SHAPE (Qwen2.5-0.5B widths and layers, F16, random weights, ~6k vocabulary)",
        threads,
        contextSize: CONTEXT_SIZE,
        parallel: PARALLEL,
      },
      question: QUESTION,
      sampling,
      prompt: { serviceTokens: warmUp.promptTokens, rawTokens: rawPromptTokens, characters: prompt.length },
      single: {
        rounds: ROUNDS,
        raw: {
          ttftMs: rawTtft,
          tokensPerSecond: rawSpeed,
          completionTokens: rawRuns.map((run) => run.completionTokens),
          endTokensSampled: rawRuns.map((run) => run.endTokens),
        },
        service: {
          ttftBeyondRetrievalMs: serviceTtft,
          tokensPerSecond: serviceSpeed,
          retrievalMs: summarize(serviceRuns.map((run) => run.retrievalMs)),
          completionTokens: serviceRuns.map((run) => run.completionTokens),
          promptTokens: serviceRuns.map((run) => run.promptTokens),
        },
        tokensPerSecondRatio: round(ratio, 3),
        ttftOverheadMs: round(ttftOverhead),
      },
      concurrency,
      summary,
      peakRssMb: peakRssMb(),
    };
  } finally {
    await raw?.close().catch(() => {});
    await server?.close().catch(() => {});
    await service?.close().catch(() => {});
    rmSync(root, { recursive: true, force: true });
  }
}
