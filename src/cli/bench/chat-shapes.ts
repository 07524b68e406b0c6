/**
 * npm run bench -- chat --shapes: how fast generated models of real shapes (Qwen2.5 0.5B, 1.5B, 3B,
 * 7B: layers, width, heads, kv heads, feed-forward, vocabulary; llama.cpp's Q4_K_M mix of random
 * blocks) read a typical TA prompt and write an answer on this machine's CPU: prompt tokens/s,
 * decode tokens/s, time to the first token cold and with the system prompt reused. Each model is
 * written to the temp folder, measured, and deleted before the next.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, statSync } from "node:fs";
import { freemem, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { AppError } from "../../errors.ts";
import { type GgufModelShape, tinyChatModelContents, writeTinyChatModel } from "../../fixtures/tiny-gguf.ts";
import { tensorByteSize } from "../../llm/gguf-format.ts";
import { QUANTIZED_TENSOR_TYPES } from "../../llm/gguf-writer.ts";
import { loadRawGenerator } from "../../llm/raw-generation.ts";
import { buildUserTurn, formatPassages } from "../../prompt/index.ts";
import type { Passage } from "../../types.ts";
import { round } from "./stats.ts";

/** Shapes of Qwen2.5-*-Instruct (config.json); Qwen2's q/k/v biases are left out (a few thousand numbers). */
export const REAL_MODEL_SHAPES: { label: string; like: string; shape: GgufModelShape }[] = [
  { label: "0.5B", like: "Qwen2.5-0.5B-Instruct", shape: qwen(24, 896, 14, 2, 4864, 151_936) },
  { label: "1.5B", like: "Qwen2.5-1.5B-Instruct", shape: qwen(28, 1536, 12, 2, 8960, 151_936) },
  { label: "3B", like: "Qwen2.5-3B-Instruct", shape: qwen(36, 2048, 16, 2, 11_008, 151_936) },
  { label: "7B", like: "Qwen2.5-7B-Instruct", shape: qwen(28, 3584, 28, 4, 18_944, 152_064) },
];

function qwen(
  blockCount: number,
  embeddingLength: number,
  headCount: number,
  headCountKv: number,
  feedForwardLength: number,
  vocabularySize: number,
): GgufModelShape {
  return {
    blockCount,
    embeddingLength,
    headCount,
    headCountKv,
    feedForwardLength,
    vocabularySize,
    contextLength: 32_768,
    tensorType: "q4_k_m",
    seed: 42,
  };
}

/**
 * Passage tokens of a typical prompt: the median per prompt on the course lecture set, no cap
 * (README, Retrieval quality: 1,685, counted one token per CJK character as the eval estimates).
 */
export const TYPICAL_PASSAGE_TOKENS = 1685;
const ANSWER_TOKENS = 24;
const CONTEXT_SIZE = 4096;

function progress(message: string): void {
  process.stderr.write(`[bench chat --shapes] ${message}\n`);
}

/** The model's file size, from the tensor layout, without writing it. */
export function modelFileBytes(shape: GgufModelShape): number {
  const { tensors } = tinyChatModelContents(shape);
  return tensors.reduce((sum, tensor) => {
    const type = tensor.type === "f32" ? 0 : tensor.type === "f16" ? 1 : QUANTIZED_TENSOR_TYPES[tensor.type];
    return sum + (tensorByteSize(type, tensor.dimensions) ?? 0);
  }, 0);
}

/** The system prompt as the service writes it (prompts/system.md with sample values filled in). */
function systemPromptText(): string {
  const template = readFileSync(resolve("prompts/system.md"), "utf8").replace(/<!--[\s\S]*?-->/g, "");
  const homework = readFileSync(resolve("prompts/homework-hints.md"), "utf8").replace(/<!--[\s\S]*?-->/g, "");
  const values: Record<string, string> = {
    courseName: "生成式人工智慧導論",
    modelName: "Qwen2.5-1.5B-Instruct",
    date: "2026-11-24",
    weekday: "星期二",
    timeZone: "Asia/Taipei",
    homeworkRule: homework.trim(),
  };
  return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => values[name] ?? "").trim();
}

/** Course text from corpus/, as one string (the lectures folder included). */
function corpusText(): string {
  const files: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(md|txt)$/.test(entry.name)) files.push(path);
    }
  };
  walk(resolve("corpus"));
  return files
    .sort()
    .map((path) => readFileSync(path, "utf8"))
    .join("\n");
}

/** Two ChatML prompts with the same system prompt and different passages and questions. */
function typicalPrompts(countTokens: (text: string) => number): { first: string; second: string } {
  const text = corpusText().replace(/<!--[\s\S]*?-->/g, "");
  // The longest slice from `start` of at most `tokens` tokens (binary search on characters).
  const slice = (start: number, tokens: number) => {
    let [low, high] = [0, Math.min(text.length - start, tokens * 4)];
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (countTokens(text.slice(start, start + middle)) <= tokens) low = middle;
      else high = middle - 1;
    }
    return text.slice(start, start + low);
  };
  const system = systemPromptText();
  const prompt = (passageStart: number, question: string) => {
    const body = slice(passageStart, TYPICAL_PASSAGE_TOKENS);
    const passages = formatPassages(
      [0, 1, 2, 3, 4].map(
        (index): Passage => ({
          rank: index + 1,
          score: 1 / (60 + index + 1),
          retrievers: [],
          chunk: {
            id: `c${index}`,
            documentPath: `lectures/${index + 1}.md`,
            title: `第 ${index + 1} 講`,
            location: `段落 ${index + 1}`,
            link: "",
            text: body.slice((index * body.length) / 5, ((index + 1) * body.length) / 5),
            position: index,
            contentHash: "",
          },
        }),
      ),
    );
    const user = buildUserTurn(question, passages, "14:05");
    return `<|im_start|>system\n${system}<|im_end|>\n<|im_start|>user\n${user}<|im_end|>\n<|im_start|>assistant\n`;
  };
  const first = prompt(0, "作業遲交怎麼辦？會扣多少分？");
  const second = prompt(Math.floor(text.length / 2), "期末專題幾人一組？可以一個人做嗎？");
  return { first, second };
}

export interface ShapeFigures {
  label: string;
  like: string;
  layers: number;
  width: number;
  heads: string;
  feedForward: number;
  vocabulary: number;
  fileMb: number;
  promptTokens: number;
  systemPromptReusedTokens: number;
  promptTokensPerSecond: number;
  decodeTokensPerSecond: number;
  ttftColdMs: number;
  ttftSystemPromptReusedMs: number;
  loadAverage: number[];
}

/** Measures each shape in turn (skipping one that does not fit disk or memory, with a message). */
export async function benchChatShapes(options: { threads: number; labels?: string[] }) {
  const shapes = REAL_MODEL_SHAPES.filter(
    (entry) => options.labels === undefined || options.labels.includes(entry.label),
  );
  if (shapes.length === 0)
    throw new AppError("--shapes names no known shape (0.5B,1.5B,3B,7B)", "bad_request");
  const root = mkdtempSync(join(tmpdir(), "bench-shapes-"));
  const onSignal = (signal: NodeJS.Signals) => {
    rmSync(root, { recursive: true, force: true });
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const results: (ShapeFigures | { label: string; skipped: string })[] = [];
  try {
    for (const { label, like, shape } of shapes) {
      const bytes = modelFileBytes(shape);
      const disk = statfsSync(root);
      const diskFree = disk.bavail * disk.bsize;
      // The model is memory-mapped: without room for all of it in RAM every token reads the disk.
      const memoryNeeded = bytes + 1024 ** 3;
      if (diskFree < bytes * 1.1 || freemem() < memoryNeeded) {
        const skipped = `needs ${round(bytes / 1024 ** 3)} GB on disk and ${round(memoryNeeded / 1024 ** 3)} GB free memory; ${round(diskFree / 1024 ** 3)} GB and ${round(freemem() / 1024 ** 3)} GB free`;
        progress(`${label}: skipped, ${skipped}`);
        results.push({ label, skipped });
        continue;
      }
      const path = join(root, `${label}.gguf`);
      progress(`${label}: writing ${round(bytes / 1024 ** 2)} MB (${like} shape, Q4_K_M mix)`);
      await writeTinyChatModel(path, { ...shape, name: `${label}-shaped` });
      try {
        const raw = await loadRawGenerator({
          modelPath: path,
          threads: options.threads,
          contextSize: CONTEXT_SIZE,
        });
        try {
          const prompts = typicalPrompts((text) => raw.countPromptTokens(text));
          const sampling = {
            temperature: 0.3,
            topP: 0.9,
            topK: 40,
            minP: 0.05,
            repeatPenalty: 1,
            seed: 1,
            maxTokens: ANSWER_TOKENS,
          };
          const cold = await raw.generate(prompts.first, sampling);
          progress(
            `${label}: cold ${cold.promptTokens} prompt tokens, first token after ${round(cold.firstTokenMs)} ms, decode ${round(cold.tokensPerSecond)} tokens/s`,
          );
          const warm = await raw.generateWarm(prompts.second, { ...sampling, maxTokens: 2 });
          progress(
            `${label}: system prompt reused (${warm.reusedTokens} of ${warm.promptTokens} tokens), first token after ${round(warm.firstTokenMs)} ms`,
          );
          results.push({
            label,
            like,
            layers: shape.blockCount,
            width: shape.embeddingLength,
            heads: `${shape.headCount}/${shape.headCountKv}`,
            feedForward: shape.feedForwardLength,
            vocabulary: shape.vocabularySize!,
            fileMb: round(statSync(path).size / 1024 ** 2),
            promptTokens: cold.promptTokens,
            systemPromptReusedTokens: warm.reusedTokens,
            promptTokensPerSecond: round(cold.promptTokens / (cold.firstTokenMs / 1000), 1),
            decodeTokensPerSecond: round(cold.tokensPerSecond, 2),
            ttftColdMs: round(cold.firstTokenMs),
            ttftSystemPromptReusedMs: round(warm.firstTokenMs),
            loadAverage: loadavg().map((value) => round(value)),
          });
        } finally {
          await raw.close();
        }
      } finally {
        rmSync(path, { force: true });
      }
    }
    return {
      benchmark: "chat --shapes",
      command: `npm run bench -- chat --shapes${options.labels ? ` ${options.labels.join(",")}` : ""}`,
      threads: options.threads,
      tensorTypes:
        "llama.cpp's Q4_K_M mix written by src/fixtures/tiny-gguf.ts: Q4_K, Q6_K for output and for attn_v / ffn_down in its more-bits layers; Q5_0 / Q8_0 where a row is not a multiple of 256 (the 0.5B's 896-wide rows), as llama.cpp falls back",
      prompt: `ChatML: the real system prompt (prompts/system.md), ${TYPICAL_PASSAGE_TOKENS} passage tokens from corpus/ in 5 numbered passages (the median per prompt of the course retrieval evaluation), a question and the time; the second prompt has other passages and another question`,
      answerTokens: ANSWER_TOKENS,
      shapes: results,
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
