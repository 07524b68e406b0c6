/** Faults at start and mid-answer: the service says what is wrong, keeps serving, and loses nothing. */

import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import * as lancedb from "@lancedb/lancedb";
import { describe, expect, it } from "vitest";
import type { Trace } from "../../src/types.ts";
import { readSse, startTestService } from "../helpers/service.ts";

async function trace(url: string, token: string, id: string): Promise<Trace> {
  return (await (
    await fetch(`${url}/api/admin/traces/${id}`, { headers: { authorization: `Bearer ${token}` } })
  ).json()) as Trace;
}

async function chat(url: string, message: string) {
  const response = await fetch(`${url}/api/chat`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message, sampling: { maxTokens: 6 } }),
  });
  return readSse(response);
}

describe("a corrupt model file at start", () => {
  it("names the file, reports degraded, and answers retrieval-only", async () => {
    const service = await startTestService({ env: { MODEL: "/tmp/placeholder.gguf" } });
    const root = service.root;
    await service.stop();
    const corrupt = join(root, "corrupt.gguf");
    writeFileSync(corrupt, Buffer.concat([Buffer.from("GGUF"), Buffer.alloc(64, 0xff)]));
    const restarted = await startTestService({ root, env: { MODEL: corrupt } });
    try {
      const ready = (await (await fetch(`${restarted.url}/readyz`)).json()) as {
        status: string;
        reasons: string[];
      };
      expect(ready.status).toBe("degraded");
      expect(ready.reasons.join(" ")).toContain("corrupt.gguf");
      const events = await chat(restarted.url, "top-p 取樣是什麼？");
      expect((events.at(-1)!.data as { mode: string }).mode).toBe("retrieval-only");
    } finally {
      await restarted.close();
    }
  });
});

/**
 * A local OpenAI-compatible server that streams two tokens, then drops the connection (as a crashed
 * inference server or GPU driver would) for its first `failing` requests, and answers normally after.
 */
async function startFlakyInferenceServer(
  failing: number,
): Promise<{ baseUrl: string; close(): Promise<void> }> {
  let requests = 0;
  const server: Server = createServer((request, response) => {
    requests++;
    request.resume();
    response.writeHead(200, { "content-type": "text/event-stream" });
    const chunk = (text: string) =>
      `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: text }, finish_reason: null }] })}\n\n`;
    response.write(chunk("第一"));
    response.write(chunk("個字"));
    if (requests <= failing) {
      setTimeout(() => response.socket?.destroy(), 50);
    } else {
      response.end(`${chunk("。")}data: [DONE]\n\n`);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe("the model failing mid-answer", () => {
  it("ends the stream with an error event, marks the trace failed, and the next request works", async () => {
    const flaky = await startFlakyInferenceServer(1);
    const service = await startTestService({
      env: { LLM_BACKEND: "openai", LLM_BASE_URL: flaky.baseUrl, LLM_MODEL: "flaky" },
    });
    try {
      const failed = await chat(service.url, "LoRA 是什麼？");
      const types = failed.map((event) => event.event);
      expect(types.slice(0, 3)).toEqual(["retrieval", "text-delta", "text-delta"]);
      expect(types.at(-1)).toBe("error");
      const error = failed.at(-1)!.data as { code: string; traceId: string };
      expect(error.code).toBe("generation_failed");
      const failedTrace = await trace(service.url, service.adminToken, error.traceId);
      expect(failedTrace.status).toBe("failed");
      expect(failedTrace.answer).toBe("第一個字");

      const next = await chat(service.url, "LoRA 是什麼？");
      expect(next.at(-1)!.event).toBe("done");
    } finally {
      await service.close();
      await flaky.close();
    }
  });

  it("tells the client the code, a short message and the trace id; the trace and the log keep the cause", async () => {
    const flaky = await startFlakyInferenceServer(2);
    const service = await startTestService({
      env: { LLM_BACKEND: "openai", LLM_BASE_URL: flaky.baseUrl, LLM_MODEL: "flaky" },
    });
    try {
      // Streamed: the error event names the code and the trace, not the internal cause.
      const failed = await chat(service.url, "LoRA 是什麼？");
      expect(failed.at(-1)!.event).toBe("error");
      const error = failed.at(-1)!.data as { traceId: string };
      expect(error).toEqual({
        type: "error",
        code: "generation_failed",
        message: "internal error",
        traceId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
      const cause = (await trace(service.url, service.adminToken, error.traceId)).error!.message;
      expect(cause).not.toBe("internal error");
      expect(cause.length).toBeGreaterThan(0);
      expect(service.logs.some((line) => line.includes(cause) && line.includes(error.traceId))).toBe(true);

      // Not streamed (stream:false): the JSON error says the same.
      const response = await fetch(`${service.url}/api/chat`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ message: "LoRA 是什麼？", stream: false, sampling: { maxTokens: 6 } }),
      });
      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({
        error: { code: "generation_failed", message: "internal error" },
      });
    } finally {
      await service.close();
      await flaky.close();
    }
  });
});

describe("a LanceDB folder missing its full-text index", () => {
  it("rebuilds the index at start", async () => {
    const first = await startTestService({ env: { EMBED_MODEL: "none" } });
    await first.stop();
    const database = await lancedb.connect(first.dataDir);
    const table = await database.openTable("chunks");
    for (const index of await table.listIndices()) await table.dropIndex(index.name);
    expect(await table.listIndices()).toEqual([]);
    const second = await startTestService({ root: first.root, env: { EMBED_MODEL: "none" } });
    try {
      const reopened = await (await lancedb.connect(first.dataDir)).openTable("chunks");
      expect((await reopened.listIndices()).map((index) => index.columns.join(","))).toContain("terms");
      const events = await chat(second.url, "HW4 什麼時候要交？");
      expect((events[0]!.data as { passages: unknown[] }).passages.length).toBeGreaterThan(0);
    } finally {
      await second.close();
    }
  });
});

describe("a trace write failing (disk full)", () => {
  it("still delivers the answer and logs the failure", async () => {
    const service = await startTestService();
    try {
      // Disk-full cannot be produced safely on a shared machine, so the LanceDB trace table's commit
      // fails with ENOSPC (the only stand-in in this file); the store's real batching and error path run.
      const enospc = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
      const store = service.service.traces as unknown as { table: { mergeInsert(): never } };
      store.table.mergeInsert = () => {
        throw enospc;
      };
      const events = await chat(service.url, "top-p 取樣是什麼？");
      expect(events.at(-1)!.event).toBe("done");
      expect(events.filter((event) => event.event === "text-delta").length).toBeGreaterThan(0);
      const traceId = (events[0]!.data as { traceId: string }).traceId;
      await service.service.traces.flush();
      expect(service.logs.join("\n")).toMatch(
        new RegExp(`trace\\(s\\) [^\\n]*${traceId}[^\\n]* could not be written: ENOSPC`),
      );
    } finally {
      await service.close();
    }
  });
});
