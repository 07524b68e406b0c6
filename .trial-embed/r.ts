import { readFileSync, writeFileSync } from "node:fs";
import { env, pipeline } from "@huggingface/transformers";
import { buildTinyEmbedOnnx, buildTinyVocabulary, writeTinyEmbedModel } from "../src/fixtures/tiny-embed.ts";
const dim = Number(process.argv[2]);
const dir = `/tmp/embedtrial/tiny${dim}`;
await writeTinyEmbedModel(dir);
writeFileSync(`${dir}/onnx/model.onnx`, buildTinyEmbedOnnx(buildTinyVocabulary().length, dim));
env.allowRemoteModels = false;
const p = await pipeline("feature-extraction", dir, { dtype: "fp32", device: "cpu" });
const text = readFileSync("/work/shared/course/01-genai-principles.transcript.txt", "utf8").replace(/\s+/g, "");
const chunks: string[] = [];
for (let i = 0; i + 300 <= text.length && chunks.length < 200; i += 300) chunks.push(text.slice(i, i + 300));
let t = Date.now();
const P: number[][] = [];
for (let i = 0; i < chunks.length; i += 16) P.push(...(await p(chunks.slice(i, i + 16), { pooling: "mean", normalize: true })).tolist());
console.log("passages/s", (chunks.length / ((Date.now() - t) / 1000)).toFixed(0));
let seed = 1; const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
for (const qlen of [6, 12, 20]) {
  let top1 = 0, top5 = 0; const n = 100;
  for (let k = 0; k < n; k++) {
    const i = Math.floor(rnd() * chunks.length); const s = Math.floor(rnd() * (300 - qlen));
    const q = (await p([chunks[i].slice(s, s + qlen)], { pooling: "mean", normalize: true })).tolist()[0];
    const scores = P.map((v) => v.reduce((a, x, j) => a + x * q[j], 0));
    const rank = scores.filter((x) => x > scores[i]).length;
    if (rank === 0) top1++; if (rank < 5) top5++;
  }
  console.log(`dim ${dim} qlen ${qlen}: top1 ${top1}% top5 ${top5}%`);
}
