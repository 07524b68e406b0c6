import { existsSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";

/** Where the embedding model comes from, decided from the model setting alone. */
export type ModelSource =
  | { kind: "none" }
  | { kind: "local"; folder: string }
  | { kind: "hub"; id: string }
  | { kind: "missing-folder"; folder: string };

/** A source transformers.js can be asked to load. */
export type LoadableSource = Extract<ModelSource, { kind: "local" } | { kind: "hub" }>;

/** The ONNX precisions we load, by transformers.js dtype name, with the file each one reads. */
export type ModelDtype = "fp32" | "q8";
const ONNX_FILE_BY_DTYPE: Record<ModelDtype, string> = {
  fp32: "onnx/model.onnx",
  q8: "onnx/model_quantized.onnx",
};

// Same shape transformers.js accepts as a hub id ("owner/name" or "name").
const HUB_ID_PATTERN = /^([\w.-]+\/)?[\w.-]{1,96}$/;

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function looksLikePath(model: string): boolean {
  return (
    isAbsolute(model) ||
    /^\.{1,2}([/\\]|$)/.test(model) ||
    model.startsWith("~") ||
    model.includes("\\") ||
    /^[a-zA-Z]:/.test(model)
  );
}

/**
 * An existing folder wins over a hub id of the same spelling ("models/e5" on disk), so a
 * relative folder is never sent to the hub by accident.
 */
export function resolveModelSource(model: string): ModelSource {
  const setting = model.trim();
  if (setting === "" || setting.toLowerCase() === "none") return { kind: "none" };
  // .env files do not expand "~", so do it here.
  const folder = resolve(setting.replace(/^~(?=$|[/\\])/, homedir()));
  if (isDirectory(folder)) return { kind: "local", folder };
  if (looksLikePath(setting) || !HUB_ID_PATTERN.test(setting) || setting.includes("..")) {
    return { kind: "missing-folder", folder };
  }
  return { kind: "hub", id: setting };
}

/**
 * Precisions to try, best first: full precision for local folders, q8 for hub models (about 4x
 * smaller to download, faster on CPU, a small accuracy cost), fp32 when a repo has no q8 export.
 * Only precisions already on disk are tried when there are any, so a warm cache never needs the
 * network (hub files are cached at `<modelsDir>/<owner>/<name>/`).
 */
export function dtypeCandidates(source: LoadableSource, modelsDir: string): ModelDtype[] {
  const folder = source.kind === "local" ? source.folder : join(modelsDir, source.id);
  const preferred: ModelDtype[] = source.kind === "local" ? ["fp32", "q8"] : ["q8", "fp32"];
  const present = preferred.filter((dtype) => existsSync(join(folder, ONNX_FILE_BY_DTYPE[dtype])));
  if (present.length > 0) return present;
  return source.kind === "local" ? ["fp32"] : preferred;
}
