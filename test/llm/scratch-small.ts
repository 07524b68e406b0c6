import { performance } from "node:perf_hooks";
import { SMALL_MODEL_SHAPE, TINY_MODEL_SHAPE, writeTinyChatModel } from "../../src/fixtures/tiny-gguf.ts";
import { loadLlmEngine, validateGgufFile } from "../../src/llm/index.ts";
import type { LlamaEngineParts } from "../../src/llm/llama-engine.ts";

const which = process.argv[2] ?? "tiny";
const threads = Number(process.argv[3] ?? 2);
const path = `/tmp/llmwork/${which}.gguf`;
let t = performance.now();
if (process.argv[4] !== "nowrite") {
  await writeTinyChatModel(path, which === "small" ? SMALL_MODEL_SHAPE : TINY_MODEL_SHAPE);
  console.log("write ms", (performance.now() - t).toFixed(0), "rss MB", (process.memoryUsage().rss / 1e6).toFixed(0));
}
t = performance.now();
const s = await validateGgufFile(path);
console.log("validate ms", (performance.now() - t).toFixed(0), s.fileSize);
t = performance.now();
const engine = await loadLlmEngine({ modelPath: path, modelsDir: "/tmp/llmwork", gpu: "cpu", threads, contextSize: 2048, parallel: 1, queueMax: 0, requestTimeoutMs: 0 });
console.log("load ms", (performance.now() - t).toFixed(0));
const messages = [{ role: "system" as const, content: "You are a TA." }, { role: "user" as const, content: "什麼是語言模型? explain the question" }];
for (let i = 0; i < 3; i++) {
  t = performance.now();
  const r = await engine.generate({ messages, sampling: { temperature: 0.8, topP: 0.9, topK: 40, minP: 0.05, repeatPenalty: 1.1, seed: 5, maxTokens: 64 } });
  let first = 0;
  let n = 0;
  for await (const _ of r.stream) if (n++ === 0) first = performance.now() - t;
  const c = await r.completion;
  const ms = performance.now() - t;
  console.log(`run ${i}: ${c.completionTokens} tokens, first delta ${first.toFixed(0)} ms, total ${ms.toFixed(0)} ms, ${((c.completionTokens - 1) / ((ms - first) / 1000)).toFixed(1)} tok/s after first`);
}
// Exactness: the sequence holds prompt + answer; its prefix must be the rendered prompt.
const parts = (engine as unknown as { parts: LlamaEngineParts; pool: { free: { contextTokens: number[] }[] } });
const seqTokens = parts.pool.free[0].contextTokens;
const rendered = engine.renderPrompt(messages);
const promptTokens = parts.parts.model.tokenize(rendered.text, true);
console.log("prompt tokens", rendered.tokens, "retokenized", promptTokens.length, "prefix match", promptTokens.every((tok, i) => seqTokens[i] === tok));
await engine.close();
