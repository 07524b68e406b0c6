import { performance } from "node:perf_hooks";
import { writeTinyChatModel } from "../../src/fixtures/tiny-gguf.ts";
import { loadLlmEngine, validateGgufFile } from "../../src/llm/index.ts";

const path = "/tmp/llmwork/tiny-chat.gguf";
await writeTinyChatModel(path);
console.log(await validateGgufFile(path).then((s) => ({ ...s, chatTemplate: s.chatTemplate?.length })));
let t = performance.now();
const engine = await loadLlmEngine({
  modelPath: path, modelsDir: "/tmp/llmwork/models", gpu: "auto", threads: 2, contextSize: 2048, parallel: 2, queueMax: 2, requestTimeoutMs: 30000,
});
console.log("load ms", performance.now() - t, engine.modelName, engine.contextSize);
const messages = [
  { role: "system" as const, content: "You are a TA. 今天是 2025-01-01." },
  { role: "user" as const, content: "什麼是語言模型?" },
  { role: "assistant" as const, content: "語言模型是文字接龍。" },
  { role: "user" as const, content: "Tell me more" },
];
console.log(engine.renderPrompt(messages));
const sampling = { temperature: 0.8, topP: 0.9, topK: 40, minP: 0.05, repeatPenalty: 1.1, seed: 7, maxTokens: 200 };
for (let i = 0; i < 2; i++) {
  t = performance.now();
  const r = await engine.generate({ messages, sampling });
  let text = "", n = 0, first = 0;
  for await (const d of r.stream) { if (!n) first = performance.now() - t; text += d; n++; }
  const c = await r.completion;
  const ms = performance.now() - t;
  console.log(c, n, "deltas", "first", first.toFixed(0), "ms", ms.toFixed(0), "tok/s", (c.completionTokens / (ms / 1000)).toFixed(1), JSON.stringify(text.slice(0, 80)));
}
console.log(await engine.nextTokenProbabilities(engine.renderPrompt(messages).text, 10));
await engine.close();
