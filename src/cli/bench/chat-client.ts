/** The chat benchmark's HTTP client: POST /api/chat read as SSE with arrival times, and the trace API. */
import { request as httpRequest } from "node:http";
import { AppError } from "../../errors.ts";
import type { SamplingOptions } from "../../types.ts";

export interface ServiceRun {
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
  /** First → last `text-delta`, ms. */
  decodeMs: number;
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

/** POST /api/chat as a new conversation (no conversationId), read as SSE with arrival times. */
export async function postChat(url: string, message: string, sampling: SamplingOptions): Promise<ServiceRun> {
  const body = JSON.stringify({ message, sampling, userId: "bench" });
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
    decodeMs: 0,
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
  run.decodeMs = lastDeltaAt - firstDeltaAt;
  const decodeSeconds = run.decodeMs / 1000;
  run.tokensPerSecond = decodeSeconds > 0 ? (textTokens - 1) / decodeSeconds : 0;
  return run;
}

/** The exact prompt the model saw and the prompt tokens it reused, from the admin trace API. */
export async function getTraceDetails(
  url: string,
  adminToken: string,
  traceId: string,
): Promise<{ prompt: string; reusedPromptTokens: number }> {
  const response = await openRequest(url, {
    method: "GET",
    path: `/api/admin/traces/${encodeURIComponent(traceId)}`,
    headers: { authorization: `Bearer ${adminToken}` },
  });
  const text = await readAll(response.body);
  if (response.status !== 200)
    throw new AppError(`trace ${traceId}: HTTP ${response.status} ${text}`, "internal");
  const trace = JSON.parse(text) as { prompt: string; usage?: { reusedPromptTokens?: number } };
  return { prompt: trace.prompt, reusedPromptTokens: trace.usage?.reusedPromptTokens ?? 0 };
}

/** The exact prompt the model saw, from the admin trace API. */
export async function getTracePrompt(url: string, adminToken: string, traceId: string): Promise<string> {
  return (await getTraceDetails(url, adminToken, traceId)).prompt;
}

/** Fails the benchmark unless the model answered (a fixed reply would measure nothing). */
export function requireAnswer(run: ServiceRun): ServiceRun {
  if (!run.ok || run.mode !== "answer") {
    throw new AppError(
      `the benchmark question was not answered by the model (HTTP ${run.status}, mode ${run.mode ?? "none"}): ${run.error ?? ""}`,
      "internal",
    );
  }
  return run;
}
