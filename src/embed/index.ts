/**
 * Embeddings for retrieval, through transformers.js (the only room that imports it).
 *
 * Default model, Xenova/multilingual-e5-small: it is a retrieval-tuned sentence-embedding model
 * trained on about 100 languages, Traditional Chinese included, and among the strongest at its
 * size on Chinese retrieval benchmarks, which suits our mixed Chinese-English course text.
 * At 118M parameters (a 118 MB q8 ONNX file) with 384-dimensional vectors it embeds a whole
 * course on a 2-core CPU in minutes and keeps the vector index small, where bge-m3 (568M
 * parameters, 1024 dimensions) would be several times slower for a modest gain in accuracy.
 * Its Hugging Face repo ships ready-made ONNX weights that transformers.js loads directly; it
 * expects "query: " and "passage: " prefixes (added here) and reads at most 512 tokens per text.
 */
import { resolve } from "node:path";
import { ConfigError, errorMessage } from "../errors.ts";
import { createEmbedder, probeDimension } from "./embedder.ts";
import { loadFeatureExtraction } from "./load-pipeline.ts";
import { resolveModelSource } from "./model-source.ts";
import type { Embedder, EmbedderOptions } from "./types.ts";

export { passagePrefix, queryPrefix } from "./prefixes.ts";
export { DEFAULT_RERANK_MAX_TOKENS, loadReranker, RECOMMENDED_RERANK_MODEL } from "./reranker.ts";
export type { Embedder, EmbedderOptions, Reranker, RerankerOptions } from "./types.ts";

/** The production embedding model: small, multilingual, with quantized ONNX weights. */
export const DEFAULT_EMBED_MODEL = "Xenova/multilingual-e5-small";
const DEFAULT_BATCH_SIZE = 16;
const DEFAULT_RESPONSE_TIMEOUT_MS = 15_000;

/**
 * Loads the embedding model once (later calls for the same model share it) and checks that it runs.
 * Returns null (after one clear one-line message via onWarning) when the model is 'none' or cannot
 * be loaded; never throws for an unavailable model. Throws ConfigError only for an invalid batchSize.
 */
export async function loadEmbedder(options: EmbedderOptions): Promise<Embedder | null> {
  const warn = options.onWarning ?? ((message: string) => console.warn(message));
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new ConfigError(`Embedding batch size must be a whole number of at least 1, got ${batchSize}.`);
  }

  const source = resolveModelSource(options.model);
  if (source.kind === "none") {
    warn("Embeddings off: the embedding model is set to 'none', so retrieval uses full-text search only.");
    return null;
  }
  if (source.kind === "missing-folder") {
    warn(
      `Embeddings off, full-text search only: no model folder at ${source.folder}; ` +
        "set the model to a folder holding config.json, tokenizer.json and onnx/model.onnx, a Hugging Face id, or 'none'.",
    );
    return null;
  }

  const request = {
    source,
    // Absolute, so downloads land in one place whatever the working directory later becomes.
    modelsDir: resolve(options.modelsDir),
    allowRemote: options.allowRemote ?? true,
    responseTimeoutMs: options.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS,
    onProgress: options.onProgress,
  };
  const loaded = await loadFeatureExtraction(request);
  if (!loaded.ok) {
    warn(loaded.warning);
    return null;
  }
  let dimension: number;
  try {
    dimension = await probeDimension(loaded.extractor);
  } catch (error) {
    const name = source.kind === "local" ? source.folder : source.id;
    warn(`Embeddings off, full-text search only: "${name}" loaded but cannot embed: ${errorMessage(error)}`);
    return null;
  }
  return createEmbedder(loaded.extractor, options.model.trim(), dimension, batchSize);
}
