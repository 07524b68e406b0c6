/**
 * Cross-encoder reranking through transformers.js: each (question, passage) pair is read together by
 * one model that outputs a relevance logit, which ranks better than comparing two embeddings but
 * costs one model run per pair, so it only rescores a short list.
 *
 * Recommended model, Xenova/bge-reranker-base: BAAI's Chinese-English reranker on XLM-RoBERTa base
 * (12 layers, width 768, vocabulary 250,002; 278M parameters), whose multilingual tokenizer covers
 * Traditional Chinese. Its repo ships ONNX weights (q8 279 MB, fp32 1.1 GB) that transformers.js
 * loads as XLMRobertaForSequenceClassification. The 24-layer bge-reranker-v2-m3 is stronger but
 * about three times the work per pair. Off by default (RERANK_MODEL=none): even this base model
 * costs seconds per question on 2 CPU cores (README, Benchmarks).
 */
import { resolve } from "node:path";
import { Tensor } from "@huggingface/transformers";
import { ConfigError, errorMessage } from "../errors.ts";
import { type CrossEncoder, loadCrossEncoder } from "./load-pipeline.ts";
import { resolveModelSource } from "./model-source.ts";
import type { Reranker, RerankerOptions } from "./types.ts";

/** The reranker to turn on where there are cores to spare: multilingual, base size, quantized ONNX weights. */
export const RECOMMENDED_RERANK_MODEL = "Xenova/bge-reranker-base";
/** Tokens per (question, passage) pair, special tokens included. */
export const DEFAULT_RERANK_MAX_TOKENS = 256;
const DEFAULT_RESPONSE_TIMEOUT_MS = 15_000;

type Rows = Record<string, number[][]>;

/**
 * Tokenizes the pairs, cuts each to maxTokens while keeping its closing separator (transformers.js
 * would cut it off), and pads to the longest pair. The question is cut to half the budget first,
 * so a long question cannot crowd out the passage.
 */
function encodePairs(
  crossEncoder: CrossEncoder,
  query: string,
  passages: string[],
  maxTokens: number,
): Record<string, Tensor> {
  const { tokenizer } = crossEncoder;
  const question = [...query].slice(0, Math.floor(maxTokens / 2)).join("");
  // A token is at least one character: longer text would only be tokenized to be thrown away.
  const texts = passages.map((passage) => [...passage].slice(0, maxTokens * 4).join(""));
  const encoded = tokenizer(
    texts.map(() => question),
    { text_pair: texts, padding: false, truncation: false, return_tensor: false },
  ) as unknown as Rows;
  const keys = Object.keys(encoded).filter((key) => Array.isArray(encoded[key]?.[0]));
  const ids = encoded["input_ids"]!;
  const width = Math.min(maxTokens, Math.max(...ids.map((row) => row.length)));
  const tensors: Record<string, Tensor> = {};
  for (const key of keys) {
    const padding = key === "input_ids" ? tokenizer.pad_token_id : 0;
    const data = new BigInt64Array(ids.length * width);
    encoded[key]!.forEach((row, index) => {
      const kept = row.length > width ? [...row.slice(0, width - 1), row.at(-1)!] : row;
      for (let column = 0; column < width; column++) {
        data[index * width + column] = BigInt(kept[column] ?? padding);
      }
    });
    tensors[key] = new Tensor("int64", data, [ids.length, width]);
  }
  return tensors;
}

export function createReranker(crossEncoder: CrossEncoder, modelId: string, maxTokens: number): Reranker {
  return {
    modelId,
    maxTokens,
    async score(query, passages) {
      if (passages.length === 0) return [];
      const inputs = encodePairs(crossEncoder, query, passages, maxTokens);
      const { logits } = (await crossEncoder.model(inputs)) as { logits: Tensor };
      const data = logits.data as Float32Array;
      // One logit per pair ([n, 1]); a two-label model's "relevant" logit is its last column.
      const columns = logits.dims.at(-1) ?? 1;
      return passages.map((_, row) => data[row * columns + columns - 1]!);
    },
  };
}

/**
 * Loads the cross-encoder once (later calls share it) and checks that it scores a probe pair.
 * Returns null (after one clear one-line message via onWarning) when the model is 'none' or cannot
 * be loaded; never throws for an unavailable model. Throws ConfigError only for an invalid maxTokens.
 */
export async function loadReranker(options: RerankerOptions): Promise<Reranker | null> {
  const warn = options.onWarning ?? ((message: string) => console.warn(message));
  const maxTokens = options.maxTokens ?? DEFAULT_RERANK_MAX_TOKENS;
  if (!Number.isInteger(maxTokens) || maxTokens < 16) {
    throw new ConfigError(`Reranker max tokens must be a whole number of at least 16, got ${maxTokens}.`);
  }
  const source = resolveModelSource(options.model);
  if (source.kind === "none") return null;
  if (source.kind === "missing-folder") {
    warn(
      `Reranker off, passages keep the fused order: no model folder at ${source.folder}; ` +
        "set the reranker to a folder holding config.json, tokenizer.json and onnx/model.onnx, a Hugging Face id, or 'none'.",
    );
    return null;
  }
  const loaded = await loadCrossEncoder({
    source,
    modelsDir: resolve(options.modelsDir),
    allowRemote: options.allowRemote ?? true,
    responseTimeoutMs: options.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS,
    onProgress: options.onProgress,
    threads: options.threads,
  });
  if (!loaded.ok) {
    warn(loaded.warning);
    return null;
  }
  const reranker = createReranker(loaded.crossEncoder, options.model.trim(), maxTokens);
  try {
    const [probe] = await reranker.score("probe question", ["probe passage"]);
    if (probe === undefined || !Number.isFinite(probe)) throw new Error("the model returned no usable score");
  } catch (error) {
    const name = source.kind === "local" ? source.folder : source.id;
    warn(
      `Reranker off, passages keep the fused order: "${name}" loaded but cannot score: ${errorMessage(error)}`,
    );
    return null;
  }
  return reranker;
}
