/**
 * The one place that loads models through transformers.js: global settings, bounded network waits,
 * loading a feature-extraction pipeline or a cross-encoder, and turning load failures into one
 * readable line.
 */
import {
  AutoModelForSequenceClassification,
  AutoTokenizer,
  env,
  type FeatureExtractionPipeline,
  LogLevel,
  ModelFileNotFoundError,
  type PreTrainedModel,
  type PreTrainedTokenizer,
  type ProgressInfo,
  pipeline,
} from "@huggingface/transformers";
import { errorMessage } from "../errors.ts";
import { dtypeCandidates, type LoadableSource, type ModelDtype } from "./model-source.ts";

export interface PipelineRequest {
  source: LoadableSource;
  /** Absolute path. */
  modelsDir: string;
  allowRemote: boolean;
  responseTimeoutMs: number;
  onProgress?: (info: { file: string; progress: number }) => void;
  /** onnxruntime intra-op threads; default onnxruntime's (the physical core count). */
  threads?: number;
}

export type PipelineResult =
  | { ok: true; extractor: FeatureExtractionPipeline }
  | { ok: false; warning: string };

/** A sequence-classification model and its tokenizer: scores (query, passage) pairs. */
export interface CrossEncoder {
  tokenizer: PreTrainedTokenizer;
  model: PreTrainedModel;
}

export type CrossEncoderResult = { ok: true; crossEncoder: CrossEncoder } | { ok: false; warning: string };

const EMBEDDINGS_OFF = "Embeddings off, full-text search only:";
const RERANKER_OFF = "Reranker off, passages keep the fused order:";

class ResponseTimeoutError extends Error {
  constructor(url: string, timeoutMs: number) {
    super(`no response from ${new URL(url).host} within ${timeoutMs} ms`);
    this.name = "ResponseTimeoutError";
  }
}

// transformers.js has no request timeout: a firewall that drops packets would hang the first
// load for minutes. The timer stops once headers arrive, so long downloads are not cut off.
let currentResponseTimeoutMs = 15_000;
const baseFetch = env.fetch;
env.fetch = async (input: string | URL, init?: RequestInit) => {
  const controller = new AbortController();
  const url = String(input);
  const timer = setTimeout(
    () => controller.abort(new ResponseTimeoutError(url, currentResponseTimeoutMs)),
    currentResponseTimeoutMs,
  );
  const signal = init?.signal ? AbortSignal.any([init.signal, controller.signal]) : controller.signal;
  try {
    return await baseFetch(input, { ...init, signal });
  } finally {
    clearTimeout(timer);
  }
};

// Load failures reach the caller through onWarning; transformers.js would also print its own
// warnings (such as a failed progress-size lookup when offline) straight to the console.
env.logLevel = LogLevel.ERROR;

// Loads run one at a time because the settings they need live on the global `env`.
let loadQueue: Promise<unknown> = Promise.resolve();
// A model loaded once is shared by every later user of the same model and cache folder.
const loadedPipelines = new Map<string, FeatureExtractionPipeline>();
const loadedCrossEncoders = new Map<string, CrossEncoder>();

function modelLocation(source: PipelineRequest["source"]): string {
  return source.kind === "local" ? source.folder : source.id;
}

function isMissingFile(error: unknown): error is Error {
  return (
    error instanceof ModelFileNotFoundError ||
    (error instanceof Error && error.name === "ModelFileNotFoundError")
  );
}

/** "getaddrinfo ENOTFOUND huggingface.co" for network failures, undefined for anything else. */
function networkFailure(error: unknown): string | undefined {
  if (error instanceof ResponseTimeoutError) return error.message;
  if (error instanceof TypeError && error.message === "fetch failed") {
    const cause = error.cause;
    return cause instanceof Error ? cause.message : "fetch failed";
  }
  return undefined;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** The reason embeddings (or, with the reranker's prefix, reranking) are off, in one line a person can act on. */
export function describeLoadFailure(
  request: PipelineRequest,
  error: unknown,
  prefix = EMBEDDINGS_OFF,
): string {
  const { source, modelsDir } = request;
  if (source.kind === "local") {
    if (isMissingFile(error)) {
      // transformers.js words this in terms of its own flags; the missing path is what matters.
      const missing = /found locally at "([^"]+)"/.exec(error.message)?.[1];
      const detail = missing ? `missing ${missing}` : error.message;
      return oneLine(`${prefix} the model folder ${source.folder} is incomplete: ${detail}`);
    }
    return oneLine(`${prefix} the model folder ${source.folder} could not be loaded: ${errorMessage(error)}`);
  }
  if (isMissingFile(error) && !request.allowRemote) {
    return oneLine(
      `${prefix} "${source.id}" is not in the model cache ${modelsDir} and downloads are turned off; ` +
        "download it once with network access, or set the model to a local folder or 'none'.",
    );
  }
  if (isMissingFile(error)) {
    return oneLine(`${prefix} "${source.id}" was not found on the Hugging Face Hub: ${errorMessage(error)}`);
  }
  const network = networkFailure(error);
  if (network) {
    return oneLine(
      `${prefix} could not download "${source.id}" from the Hugging Face Hub (${network}); ` +
        "check the network, or set the model to a local folder or 'none'.",
    );
  }
  return oneLine(`${prefix} "${source.id}" could not be loaded: ${errorMessage(error)}`);
}

function forwardProgress(onProgress: PipelineRequest["onProgress"]) {
  if (!onProgress) return undefined;
  return (info: ProgressInfo) => {
    if (info.status === "progress") onProgress({ file: info.file, progress: info.progress });
  };
}

interface LoadOptions {
  dtype: ModelDtype;
  device: "cpu";
  cache_dir: string;
  local_files_only: boolean;
  progress_callback?: (info: ProgressInfo) => void;
  session_options: Record<string, unknown>;
}

async function loadUncached<T>(
  request: PipelineRequest,
  load: (location: string, options: LoadOptions) => Promise<T>,
): Promise<T> {
  const { source, modelsDir, allowRemote } = request;
  // cache_dir and local_files_only are not passed down everywhere inside transformers.js 4.3
  // (the file-list step reads the global env), so set both the globals and the options.
  env.cacheDir = modelsDir;
  env.localModelPath = modelsDir;
  env.allowLocalModels = true;
  env.allowRemoteModels = source.kind === "hub" && allowRemote;
  currentResponseTimeoutMs = request.responseTimeoutMs;

  const candidates = dtypeCandidates(source, modelsDir);
  let lastError: unknown;
  for (const dtype of candidates) {
    try {
      return await load(modelLocation(source), {
        dtype,
        device: "cpu",
        cache_dir: modelsDir,
        local_files_only: !env.allowRemoteModels,
        progress_callback: forwardProgress(request.onProgress),
        // Severity 3 = errors only: keeps onnxruntime's graph-optimizer chatter off stderr.
        session_options: {
          logSeverityLevel: 3,
          ...(request.threads ? { intraOpNumThreads: request.threads } : {}),
        },
      });
    } catch (error) {
      lastError = error;
      // A repo without a quantized export is fine: try the next precision.
      if (!(isMissingFile(error) && error.message.includes(".onnx"))) break;
    }
  }
  throw lastError;
}

/** One load at a time (they share the global `env`), each model loaded once per cache; never throws. */
function loadQueued<T>(
  request: PipelineRequest,
  cache: Map<string, T>,
  load: (location: string, options: LoadOptions) => Promise<T>,
  warningPrefix: string,
): Promise<{ ok: true; value: T } | { ok: false; warning: string }> {
  const key = JSON.stringify([modelLocation(request.source), request.modelsDir]);
  const run = async (): Promise<{ ok: true; value: T } | { ok: false; warning: string }> => {
    const cached = cache.get(key);
    if (cached) return { ok: true, value: cached };
    try {
      const value = await loadUncached(request, load);
      cache.set(key, value);
      return { ok: true, value };
    } catch (error) {
      return { ok: false, warning: describeLoadFailure(request, error, warningPrefix) };
    }
  };
  const result = loadQueue.then(run, run);
  loadQueue = result;
  return result;
}

/** Loads (or reuses) the pipeline; never throws. */
export async function loadFeatureExtraction(request: PipelineRequest): Promise<PipelineResult> {
  const loaded = await loadQueued(
    request,
    loadedPipelines,
    (location, options) => pipeline("feature-extraction", location, options),
    EMBEDDINGS_OFF,
  );
  return loaded.ok ? { ok: true, extractor: loaded.value } : loaded;
}

/** Loads (or reuses) a cross-encoder: the ONNX model first (it decides the precision), then its tokenizer. */
export async function loadCrossEncoder(request: PipelineRequest): Promise<CrossEncoderResult> {
  const loaded = await loadQueued(
    request,
    loadedCrossEncoders,
    async (location, options) => {
      const model = await AutoModelForSequenceClassification.from_pretrained(location, options);
      const tokenizer = await AutoTokenizer.from_pretrained(location, {
        cache_dir: options.cache_dir,
        local_files_only: options.local_files_only,
        progress_callback: options.progress_callback,
      });
      return { model, tokenizer };
    },
    RERANKER_OFF,
  );
  return loaded.ok ? { ok: true, crossEncoder: loaded.value } : loaded;
}
