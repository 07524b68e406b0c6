/** Starts the real service (real LanceDB, tiny generated models) on 127.0.0.1 for a test. */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { inject } from "vitest";
import { type RunningBots, startBots } from "../../src/bots/index.ts";
import { loadConfig } from "../../src/config.ts";
import { createAppLogger, createService, type Service } from "../../src/deps.ts";
import { startHttpServer } from "../../src/http/server.ts";
import type { Trace } from "../../src/types.ts";

export interface TestService {
  url: string;
  service: Service;
  root: string;
  dataDir: string;
  corpusDir: string;
  adminToken: string;
  logs: string[];
  /** Stops the server and the model; keeps the data folder (for restart tests). */
  stop(): Promise<void>;
  /** stop() and delete every file the test made. */
  close(): Promise<void>;
}

export interface TestServiceOptions {
  env?: Record<string, string>;
  /** Reuse an earlier test service's folders (to test restarts). */
  root?: string;
  /** Copy this folder as the corpus (default: the project's corpus/). */
  corpusFrom?: string;
}

export async function startTestService(options: TestServiceOptions = {}): Promise<TestService> {
  const fixturesDir = inject("fixturesDir");
  const root = options.root ?? mkdtempSync(join(tmpdir(), "course-ta-service-"));
  const corpusDir = join(root, "corpus");
  const dataDir = join(root, "data");
  if (!options.root) cpSync(options.corpusFrom ?? resolve("corpus"), corpusDir, { recursive: true });
  const adminToken = "test-admin-token-0123456789";
  const env: Record<string, string> = {
    HOST: "127.0.0.1",
    PORT: "0",
    CORPUS_DIR: corpusDir,
    DATA_DIR: dataDir,
    MODELS_DIR: join(root, "models"),
    MODEL: join(fixturesDir, "tiny-chat.gguf"),
    EMBED_MODEL: join(fixturesDir, "tiny-embed"),
    LLM_CONTEXT_SIZE: "4096",
    LLM_PARALLEL: "2",
    LLM_THREADS: "1",
    LLM_MAX_TOKENS: "48",
    ADMIN_TOKEN: adminToken,
    LOG_LEVEL: "info",
    // Tests send many questions from one address; the limit has its own test (security/rate-limits).
    HTTP_RATE_LIMIT_PER_MINUTE: "0",
    ADMIN_LOGIN_MAX_FAILURES: "1000000",
    ...options.env,
  };
  const config = loadConfig(env);
  const logs: string[] = [];
  const logger = createAppLogger({ ...config, logLevel: "debug" }, (line) => logs.push(line));
  const service = await createService(config, logger);
  const server = await startHttpServer(service.app, "127.0.0.1", 0);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await server.close();
    await service.close();
  };
  return {
    url: server.url,
    service,
    root,
    dataDir,
    corpusDir,
    adminToken: service.adminToken,
    logs,
    stop,
    async close() {
      await stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Reads an SSE response into {event, data} pairs. */
export async function readSse(response: Response): Promise<{ event: string; data: unknown }[]> {
  const text = await response.text();
  return text
    .split(/\n\n/)
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
      const data = block
        .split("\n")
        .filter((line) => line.startsWith("data: "))
        .map((line) => line.slice(6))
        .join("\n");
      return { event, data: data === "[DONE]" ? data : JSON.parse(data) };
    });
}

/** POST /api/chat with a JSON body (a string body is sent as is, for malformed-input tests). */
export async function postChat(
  service: TestService,
  body: unknown,
  init: RequestInit = {},
): Promise<Response> {
  return fetch(`${service.url}/api/chat`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
    ...init,
  });
}

/** A trace through the admin API, as staff read it. */
export async function getTrace(service: TestService, id: string): Promise<Trace> {
  const response = await fetch(`${service.url}/api/admin/traces/${id}`, {
    headers: { authorization: `Bearer ${service.adminToken}` },
  });
  if (response.status !== 200) throw new Error(`GET /api/admin/traces/${id} answered ${response.status}`);
  return (await response.json()) as Trace;
}

/** Starts the real LINE bot on a test service, talking to a fake LINE API; stop() the result. */
export async function startLineBotOn(
  service: TestService,
  fakeLineBaseUrl: string,
  credentials: { channelSecret: string; channelAccessToken: string },
): Promise<RunningBots> {
  const bots = await startBots({
    chat: service.service.chat,
    traces: service.service.traces,
    conversations: service.service.conversations,
    logger: service.service.logger,
    line: { ...credentials, apiBaseUrl: fakeLineBaseUrl },
    retry: { initialMs: 50, maxMs: 200 },
    handoffs: service.service.handoffs,
  });
  Object.assign(service.service.webhooks, bots.webhooks);
  Object.assign(service.service.staffCouriers, bots.staffReplies);
  return bots;
}

/** GET an admin API path with the service's admin token: the status and the JSON body. */
export async function adminGet<T>(service: TestService, path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${service.url}${path}`, {
    headers: { authorization: `Bearer ${service.adminToken}` },
  });
  return { status: response.status, body: (await response.json()) as T };
}

/** The source of the first passage the admin retrieval playground finds for a question. */
export async function topSource(service: TestService, question: string): Promise<string | undefined> {
  const { body } = await adminGet<{ passages: { source: string }[] }>(
    service,
    `/api/admin/retrieval?q=${encodeURIComponent(question)}`,
  );
  return body.passages[0]?.source;
}
