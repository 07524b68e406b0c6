/** Turns text into L2-normalized vectors; cosine similarity is the dot product. */
export interface Embedder {
  /** The model setting it was loaded from: a Hugging Face id or a local folder path. */
  readonly modelId: string;
  /** Length of every vector. */
  readonly dimension: number;
  /** Embeds search queries (with the model's query prefix). Same order as `texts`. */
  embedQueries(texts: string[]): Promise<number[][]>;
  /** Embeds passages to index (with the model's passage prefix). Same order as `texts`. */
  embedPassages(texts: string[]): Promise<number[][]>;
}

export interface EmbedderOptions {
  /** A Hugging Face id like "Xenova/multilingual-e5-small", a local model folder, or "none" to turn embeddings off. */
  model: string;
  /** Folder where downloaded models are cached (and where `<owner>/<name>/` folders are looked up). */
  modelsDir: string;
  /** Whether hub ids may be downloaded; default true. Local folders never download. */
  allowRemote?: boolean;
  /** Texts per model call; default 16. */
  batchSize?: number;
  /** Receives the one-line reason when embeddings are off; default console.warn. */
  onWarning?: (message: string) => void;
  /** Download progress per file, 0 to 100; default none. */
  onProgress?: (info: { file: string; progress: number }) => void;
  /** How long to wait for the hub to start answering a request before giving up; default 15000 ms. */
  responseTimeoutMs?: number;
}

/** Rescores (question, passage) pairs with a cross-encoder. */
export interface Reranker {
  /** The model setting it was loaded from: a Hugging Face id or a local folder path. */
  readonly modelId: string;
  /** Tokens each (question, passage) pair is cut to. */
  readonly maxTokens: number;
  /** One relevance score per passage, higher is more relevant, in the order given. */
  score(query: string, passages: string[]): Promise<number[]>;
}

export interface RerankerOptions {
  /** A Hugging Face id like "Xenova/bge-reranker-base", a local model folder, or "none" for no reranker. */
  model: string;
  /** Folder where downloaded models are cached (and where `<owner>/<name>/` folders are looked up). */
  modelsDir: string;
  /** Whether hub ids may be downloaded; default true. Local folders never download. */
  allowRemote?: boolean;
  /** Tokens each (question, passage) pair is cut to, special tokens included; default 256. */
  maxTokens?: number;
  /** onnxruntime threads; default onnxruntime's own (the physical core count). */
  threads?: number;
  /** Receives the one-line reason when the reranker is off; default console.warn. */
  onWarning?: (message: string) => void;
  /** Download progress per file, 0 to 100; default none. */
  onProgress?: (info: { file: string; progress: number }) => void;
  /** How long to wait for the hub to start answering a request before giving up; default 15000 ms. */
  responseTimeoutMs?: number;
}
