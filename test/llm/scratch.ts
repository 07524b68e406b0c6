import { performance } from "node:perf_hooks";
import { getLlama, LlamaChat, resolveChatWrapper } from "node-llama-cpp";
import { writeTinyChatModel } from "../../src/fixtures/tiny-gguf.ts";

const path = "/tmp/llmwork/tiny-chat.gguf";
let t = performance.now();
await writeTinyChatModel(path);
console.log("write ms", performance.now() - t);
t = performance.now();
const llama = await getLlama({ gpu: false, maxThreads: 2, build: "never" });
console.log("getLlama ms", performance.now() - t, llama.gpu, llama.cpuMathCores);
t = performance.now();
const model = await llama.loadModel({ modelPath: path });
console.log("load ms", performance.now() - t);
t = performance.now();
const wrapper = resolveChatWrapper(model);
console.log("wrapper", wrapper.wrapperName, performance.now() - t);
const toks = model.tokenize("Hello world, 今天的模型 answer question 語言模型");
console.log(toks.length, toks.map((x) => model.detokenize([x], true)));
const ctx = await model.createContext({ sequences: 2, contextSize: 2048, threads: 2 });
const seq = ctx.getSequence();
const chat = new LlamaChat({ contextSequence: seq, chatWrapper: wrapper });
const history = [
  { type: "system" as const, text: "You are a TA." },
  { type: "user" as const, text: "什麼是語言模型?" },
];
const st = wrapper.generateContextState({ chatHistory: [...history, { type: "model", response: [] }] });
console.log(JSON.stringify(model.detokenize(st.contextText.tokenize(model.tokenizer), true)));
t = performance.now();
let n = 0;
const r = await chat.generateResponse(history, {
  maxTokens: 100,
  temperature: 0.8,
  seed: 1,
  onTextChunk: (c) => {
    n++;
  },
});
const dt = performance.now() - t;
console.log("gen", r.metadata.stopReason, n, dt, JSON.stringify(r.response.slice(0, 200)));
console.log("tokens in ctx", seq.contextTokens.length, seq.nextTokenIndex);
await ctx.dispose();
await model.dispose();
await llama.dispose();
