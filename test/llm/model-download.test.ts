/**
 * A model given as a URL is downloaded into MODELS_DIR on first start and reused after: the "remote"
 * is a plain HTTP server on 127.0.0.1 serving the generated tiny GGUF (the same code path as an hf: URI,
 * which resolves to such a URL on the Hub).
 */
import { createReadStream, readdirSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { localModelFileName } from "../../src/llm/load-engine.ts";
import { startTestService } from "../helpers/service.ts";

let server: Server;
let downloads = 0;
let modelUrl = "";

beforeAll(async () => {
  const file = join(inject("fixturesDir"), "tiny-chat.gguf");
  server = createServer((request, response) => {
    if (request.url !== "/models/tiny-chat.gguf") {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, {
      "content-type": "application/octet-stream",
      "content-length": String(statSync(file).size),
    });
    if (request.method === "HEAD") response.end();
    else {
      // A whole file sent counts as a download; the downloader's probes close the connection early.
      response.on("finish", () => downloads++);
      createReadStream(file).pipe(response);
    }
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  modelUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/models/tiny-chat.gguf`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

it("downloads a URL model into MODELS_DIR, serves with it, and restarts from that file with the server gone", async () => {
  const first = await startTestService({ env: { MODEL: modelUrl } });
  try {
    const modelsDir = join(first.root, "models");
    expect(readdirSync(modelsDir).some((name) => name.endsWith(".gguf"))).toBe(true);
    expect(downloads).toBeGreaterThanOrEqual(1);
    const ready = await fetch(`${first.url}/readyz`);
    expect(ready.status).toBe(200);
    const response = await fetch(`${first.url}/api/chat`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ message: "LoRA 是什麼？", stream: false, sampling: { maxTokens: 4 } }),
    });
    expect(((await response.json()) as { mode: string }).mode).toBe("answer");
    await first.stop();

    // The next start works from MODELS_DIR even with the download server gone (an offline box).
    server.closeAllConnections();
    await new Promise((closed) => server.close(closed));
    const second = await startTestService({ root: first.root, env: { MODEL: modelUrl } });
    try {
      expect((await fetch(`${second.url}/readyz`)).status).toBe(200);
    } finally {
      await second.stop();
    }
  } finally {
    await first.close();
  }
}, 120_000);

it("names downloaded models after their URI", () => {
  expect(localModelFileName("hf:bartowski/Qwen2.5-3B-Instruct-GGUF:Q4_K_M")).toBe(
    "hf_bartowski_Qwen2.5-3B-Instruct-GGUF_Q4_K_M.gguf",
  );
  expect(localModelFileName("https://example.org/models/tiny chat.gguf")).toBe(
    "example.org_models_tiny_chat.gguf",
  );
});
