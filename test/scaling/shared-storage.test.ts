/**
 * Two replicas on one DATA_DIR, as README "Scaling past one machine" describes: one ingests, the
 * other serves with INGEST_ON_START=false. An `npm run ingest` run as its own process reaches both
 * running services; traces and conversation history written by one are read by the other.
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, expect, inject, it } from "vitest";
import { adminGet, startTestService, type TestService, topSource } from "../helpers/service.ts";

const services: TestService[] = [];
afterAll(async () => {
  for (const service of services.reverse()) await service.close();
});

function runIngest(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ["--import", "tsx", resolve("src/cli/ingest.ts")], {
      env: { ...process.env, LOG_LEVEL: "warn", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("close", (code) => done({ code, output }));
  });
}

/**
 * Traces are written in small batches (tens of milliseconds), so another replica sees a finished
 * trace shortly after the answer.
 */
async function traceFrom<T>(service: TestService, traceId: string): Promise<{ status: number; body: T }> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const result = await adminGet<T & { status?: string }>(service, `/api/admin/traces/${traceId}`);
    const finished = result.status === 200 && result.body.status !== "running";
    if (finished || Date.now() > deadline) return result;
    await new Promise((wait) => setTimeout(wait, 50));
  }
}

async function ask(service: TestService, message: string, conversationId?: string) {
  const response = await fetch(`${service.url}/api/chat`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message, conversationId, stream: false, sampling: { maxTokens: 8 } }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { traceId: string; conversationId: string };
}

it("serves one corpus, one trace store and one history from two replicas", async () => {
  const refresh = { STORE_REFRESH_SECONDS: "0" };
  const ingester = await startTestService({ env: refresh });
  services.push(ingester);
  const emptyCorpus = join(ingester.root, "replica-corpus");
  mkdirSync(emptyCorpus);
  const replica = await startTestService({
    root: ingester.root,
    env: { ...refresh, INGEST_ON_START: "false", CORPUS_DIR: emptyCorpus },
  });
  services.push(replica);
  expect(replica.logs.join("\n")).not.toMatch(/removed [1-9]/);
  expect(await topSource(replica, "期末專題")).toBeDefined();

  // A TA adds a document and runs `npm run ingest` while both services keep running.
  writeFileSync(
    join(ingester.corpusDir, "announcement.md"),
    "# 補課公告\n\n颱風停課的那一週，補課改在 12 月 19 日星期六上午 9 點，地點在博雅館 101。\n",
  );
  const ingest = await runIngest({
    CORPUS_DIR: ingester.corpusDir,
    DATA_DIR: ingester.dataDir,
    EMBED_MODEL: join(inject("fixturesDir"), "tiny-embed"),
  });
  expect(ingest.code, ingest.output).toBe(0);
  expect(ingest.output).toMatch(/1 added/);
  const question = "颱風停課要補課嗎？補課在哪裡";
  expect(await topSource(ingester, question)).toBe("announcement.md");
  expect(await topSource(replica, question)).toBe("announcement.md");

  // A student's conversation moves between replicas (a load balancer without stickiness).
  const first = await ask(replica, "颱風停課的補課是哪一天？");
  const second = await ask(ingester, "那地點在哪？", first.conversationId);
  const seenByIngester = await traceFrom<{ question: string }>(ingester, first.traceId);
  expect(seenByIngester.status).toBe(200);
  expect(seenByIngester.body.question).toBe("颱風停課的補課是哪一天？");
  const followUp = await traceFrom<{ prompt: string; mode: string; passages: { documentPath: string }[] }>(
    replica,
    second.traceId,
  );
  expect(followUp.status).toBe(200);
  expect(followUp.body.prompt).toContain("颱風停課的補課是哪一天？");
  // 「那地點在哪？」 alone matches nothing; searched with the question it follows, it finds the notice.
  expect(followUp.body.mode).toBe("answer");
  expect(followUp.body.passages[0]!.documentPath).toBe("announcement.md");
}, 120_000);
