import { performance } from "node:perf_hooks";
import { loadLlmEngine } from "../../src/llm/index.ts";

const path = "/tmp/llmwork/tiny-chat.gguf";
const engine = await loadLlmEngine({
  modelPath: path, modelsDir: "/tmp/llmwork/models", gpu: (process.argv[2] ?? "auto") as "auto", threads: Number(process.argv[3] ?? 2), contextSize: 2048, parallel: 2, queueMax: 2, requestTimeoutMs: 60000,
});
const messages = [
  { role: "system" as const, content: "You are a TA." },
  { role: "user" as const, content: "Tell me more" },
];
const sampling = { temperature: 0.8, topP: 0.9, topK: 40, minP: 0.05, repeatPenalty: 1.1, seed: 7, maxTokens: 100 };
for (let i = 0; i < 4; i++) {
  const t = performance.now();
  const r = await engine.generate({ messages, sampling });
  const stamps: number[] = [];
  for await (const _ of r.stream) stamps.push(performance.now() - t);
  const c = await r.completion;
  const ms = performance.now() - t;
  console.log(i, c.completionTokens, "ms", ms.toFixed(0), "tok/s", (c.completionTokens / (ms / 1000)).toFixed(1), stamps.slice(0, 5).map((x) => x.toFixed(0)).join(","), "...", stamps.slice(-3).map((x) => x.toFixed(0)).join(","));
}
await engine.close();
