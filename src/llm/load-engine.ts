/** Turns LlmEngineOptions into a ready LlamaEngine: resolve the file, check it, load it, build the context. */
import { availableParallelism } from "node:os";
import { resolve as resolvePath } from "node:path";
import {
  getLlama,
  type Llama,
  type LlamaContext,
  LlamaLogLevel,
  type LlamaModel,
  resolveChatWrapper,
  resolveModelFile,
} from "node-llama-cpp";
import { AppError, errorMessage } from "../errors.ts";
import { AUTO_MODEL, chooseDefaultModel } from "./default-model.ts";
import type { GpuChoice, LlmEngine, LlmEngineOptions } from "./engine-types.ts";
import { validateGgufFile } from "./gguf-header.ts";
import { LlamaEngine } from "./llama-engine.ts";

const REMOTE_MODEL = /^(hf:|https?:\/\/)/;
/** Share of the progress bar given to downloading, when there is a download. */
const DOWNLOAD_SHARE = 0.9;

function checkOptions(options: LlmEngineOptions): void {
  const problems: string[] = [];
  if (!options.modelPath) problems.push("MODEL is not set: pass a .gguf path or an hf: URI");
  if (!["auto", "cpu", "cuda", "vulkan", "metal"].includes(options.gpu)) {
    problems.push(`gpu must be auto, cpu, cuda, vulkan or metal (got ${options.gpu})`);
  }
  if (!(Number.isInteger(options.threads) && options.threads >= 1))
    problems.push("threads must be an integer ≥ 1");
  if (!(Number.isInteger(options.contextSize) && options.contextSize >= 64)) {
    problems.push("contextSize must be an integer ≥ 64");
  }
  if (!(Number.isInteger(options.parallel) && options.parallel >= 1))
    problems.push("parallel must be an integer ≥ 1");
  if (!(Number.isInteger(options.queueMax) && options.queueMax >= 0))
    problems.push("queueMax must be an integer ≥ 0");
  if (!(options.requestTimeoutMs >= 0)) problems.push("requestTimeoutMs must be ≥ 0 (0 disables it)");
  if (problems.length > 0)
    throw new AppError(`Invalid model options: ${problems.join("; ")}`, "config_invalid");
}

/**
 * The file a remote model is kept as in modelsDir, named after its URI. Naming it ourselves lets a
 * restart use the file without asking the network first (offline, node-llama-cpp would keep retrying).
 */
export function localModelFileName(uri: string): string {
  const name = uri
    .replace(/^https?:\/\//, "")
    .replace(/^hf:/, "hf_")
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/_+/g, "_");
  return name.toLowerCase().endsWith(".gguf") ? name : `${name}.gguf`;
}

/** A local path as is; an hf: URI (or URL) downloaded into modelsDir, unless already there. */
async function resolveLocalModelPath(options: LlmEngineOptions, onProgress: (fraction: number) => void) {
  if (!REMOTE_MODEL.test(options.modelPath)) return resolvePath(options.modelPath);
  try {
    return await resolveModelFile(options.modelPath, {
      directory: options.modelsDir,
      fileName: localModelFileName(options.modelPath),
      cli: false,
      onProgress: ({ totalSize, downloadedSize }) => {
        if (totalSize > 0) onProgress((downloadedSize / totalSize) * DOWNLOAD_SHARE);
      },
    });
  } catch (error) {
    throw new AppError(
      `Could not get model ${options.modelPath} into ${options.modelsDir}: ${errorMessage(error)}`,
      "model_unavailable",
      error,
    );
  }
}

async function startLlama(gpu: GpuChoice, threads: number): Promise<Llama> {
  try {
    return await getLlama({
      gpu: gpu === "cpu" ? false : gpu,
      maxThreads: threads,
      // Use the prebuilt binaries; never start a multi-minute llama.cpp compile inside a server.
      build: "never",
      logLevel: LlamaLogLevel.error,
    });
  } catch (error) {
    throw new AppError(
      `Could not start llama.cpp with gpu=${gpu}: ${errorMessage(error)} (try LLM_GPU=cpu)`,
      "model_unavailable",
      error,
    );
  }
}

/**
 * Loads a GGUF chat model and prepares `parallel` sequences.
 * Throws AppError "model_unavailable" (missing file, failed download, no backend) or "model_invalid" (bad file).
 */
export async function loadLlmEngine(given: LlmEngineOptions): Promise<LlmEngine> {
  // Callers outside TypeScript may leave the defaulted fields out.
  const options: LlmEngineOptions = {
    ...given,
    gpu: given.gpu ?? "auto",
    threads: given.threads ?? availableParallelism(),
  };
  checkOptions(options);
  const report = options.onProgress ?? (() => {});
  // `auto` depends on the hardware: start llama.cpp first to learn whether a GPU is in use.
  let started: Llama | undefined;
  if (options.modelPath === AUTO_MODEL) {
    started = await startLlama(options.gpu, options.threads);
    const choice = chooseDefaultModel(started.gpu);
    options.modelPath = choice.model;
    options.onModelChoice?.(choice.reason);
  }
  const remote = REMOTE_MODEL.test(options.modelPath);
  let modelPath: string;
  let summary: Awaited<ReturnType<typeof validateGgufFile>>;
  try {
    modelPath = await resolveLocalModelPath(options, report);
    // Our own checks first: some malformed files abort the whole process inside llama.cpp.
    summary = await validateGgufFile(modelPath);
  } catch (error) {
    await started?.dispose().catch(() => {});
    throw error;
  }

  const llama = started ?? (await startLlama(options.gpu, options.threads));
  let model: LlamaModel | undefined;
  try {
    try {
      model = await llama.loadModel({
        modelPath,
        gpuLayers: options.gpu === "cpu" ? 0 : "auto",
        onLoadProgress: (fraction) =>
          report(remote ? DOWNLOAD_SHARE + fraction * (1 - DOWNLOAD_SHARE) : fraction),
      });
    } catch (error) {
      throw new AppError(
        `llama.cpp could not load ${modelPath}: ${errorMessage(error)}`,
        "model_invalid",
        error,
      );
    }
    let context: LlamaContext;
    try {
      context = await model.createContext({
        sequences: options.parallel,
        contextSize: options.contextSize,
        threads: options.threads,
      });
    } catch (error) {
      throw new AppError(
        `Could not create ${options.parallel} × ${options.contextSize} tokens of context for ${modelPath} (lower LLM_CONTEXT_SIZE or LLM_PARALLEL?): ${errorMessage(error)}`,
        "model_unavailable",
        error,
      );
    }
    // Resolved once: picks the wrapper matching the model's own Jinja template (tokenizer.chat_template).
    const chatWrapper = resolveChatWrapper(model);
    return new LlamaEngine({
      llama,
      model,
      context,
      chatWrapper,
      modelName: summary.name,
      queueMax: options.queueMax,
      requestTimeoutMs: options.requestTimeoutMs,
      prefixReuse: options.prefixReuse ?? true,
    });
  } catch (error) {
    await model?.dispose().catch(() => {});
    await llama.dispose().catch(() => {});
    throw error;
  }
}

/** Defaults for the options callers usually leave alone. */
export function defaultLlmEngineOptions(): Pick<LlmEngineOptions, "gpu" | "threads"> {
  return { gpu: "auto", threads: availableParallelism() };
}
