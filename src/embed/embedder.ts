import type { FeatureExtractionPipeline } from "@huggingface/transformers";
import { AppError, errorMessage } from "../errors.ts";
import { passagePrefix, queryPrefix } from "./prefixes.ts";
import type { Embedder } from "./types.ts";

/** Runs one batch: mean-pooled, L2-normalized rows in input order. */
async function embedBatch(extractor: FeatureExtractionPipeline, texts: string[]): Promise<number[][]> {
  const output = await extractor(texts, { pooling: "mean", normalize: true });
  const [rows, dimension] = output.dims;
  const data = output.data as Float32Array;
  const vectors: number[][] = [];
  for (let row = 0; row < rows; row++) {
    vectors.push(Array.from(data.subarray(row * dimension, (row + 1) * dimension)));
  }
  return vectors;
}

/**
 * Embeds in batches of `batchSize`, shortest texts together: every text in a batch is padded to
 * the longest one, so grouping by length wastes less work. Results come back in input order.
 */
async function embedInBatches(
  extractor: FeatureExtractionPipeline,
  texts: string[],
  batchSize: number,
): Promise<number[][]> {
  const order = texts.map((_, index) => index).sort((a, b) => texts[a].length - texts[b].length);
  const vectors: number[][] = new Array(texts.length);
  for (let start = 0; start < order.length; start += batchSize) {
    const indices = order.slice(start, start + batchSize);
    const batch = await embedBatch(
      extractor,
      indices.map((index) => texts[index]),
    );
    indices.forEach((index, row) => {
      vectors[index] = batch[row];
    });
  }
  return vectors;
}

export function createEmbedder(
  extractor: FeatureExtractionPipeline,
  modelId: string,
  dimension: number,
  batchSize: number,
): Embedder {
  const embedWithPrefix = async (texts: string[], prefix: string): Promise<number[][]> => {
    if (texts.length === 0) return [];
    try {
      return await embedInBatches(
        extractor,
        texts.map((text) => prefix + text),
        batchSize,
      );
    } catch (error) {
      throw new AppError(
        `Embedding failed with model "${modelId}": ${errorMessage(error)}`,
        "embedder_unavailable",
        error,
      );
    }
  };
  const queryText = queryPrefix(modelId);
  const passageText = passagePrefix(modelId);
  return {
    modelId,
    dimension,
    embedQueries: (texts) => embedWithPrefix(texts, queryText),
    embedPassages: (texts) => embedWithPrefix(texts, passageText),
  };
}

/** Embeds one probe text, so a model that loads but cannot run fails at load time, and to learn the width. */
export async function probeDimension(extractor: FeatureExtractionPipeline): Promise<number> {
  const [vector] = await embedBatch(extractor, ["dimension probe"]);
  if (!vector || vector.length === 0 || !vector.every(Number.isFinite)) {
    throw new Error("the model returned no usable vector for a probe text");
  }
  return vector.length;
}
