/**
 * The corpus folder as the admin page changes it: safe names inside CORPUS_DIR only, atomic writes,
 * and an archive of every file version (by content hash) so a rollback can put the folder back the
 * way it was at that version. Without that, the next ingest would undo the rollback.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, extname, join, resolve, sep } from "node:path";
import { documentPathProblem, listCorpusDocuments, realPathProblem } from "../corpus-rules.ts";
import { AppError } from "../errors.ts";

/** Where archived file versions go: beside the database when it is a local folder, else inside the corpus folder. */
export function defaultArchiveDir(corpusDir: string, dataDir: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(dataDir)
    ? join(corpusDir, ".archive")
    : join(dataDir, "corpus-archive");
}

export function contentHashOf(content: Uint8Array): string {
  return createHash("sha256").update(content).digest("hex");
}

const UNSAFE_CHARACTERS = /[^\p{L}\p{N}._-]+/gu;
const MAX_NAME_CHARS = 120;

function cleanSegment(segment: string): string {
  return segment
    .normalize("NFC")
    .trim()
    .replace(UNSAFE_CHARACTERS, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^[.-]+/, "")
    .slice(0, MAX_NAME_CHARS);
}

/**
 * The corpus-relative path ("lectures/week-3.md") an upload is written to. The browser's file name
 * loses any directory part and unsafe characters; `folder` may name sub-folders. Throws "bad_request"
 * for an unsupported extension or a name with nothing left.
 */
export function uploadPath(fileName: string, folder: string, extensions: readonly string[]): string {
  const baseName = fileName.split(/[\\/]/).pop() ?? "";
  const name = cleanSegment(baseName);
  const extension = extname(name).toLowerCase();
  if (!extensions.includes(extension)) {
    throw new AppError(
      `"${baseName}" is not a supported document: upload ${extensions.join(", ")}`,
      "bad_request",
    );
  }
  if (name.length <= extension.length)
    throw new AppError(`"${baseName}" has no usable file name`, "bad_request");
  const folders = folder
    .split(/[\\/]/)
    .map((segment) => segment.trim())
    .filter((segment) => segment !== "");
  if (folders.length > 4) throw new AppError("folder is too deep: at most 4 levels", "bad_request");
  const cleanFolders = folders.map((segment) => {
    const clean = cleanSegment(segment);
    if (clean === "" || segment === "." || segment === "..") {
      throw new AppError(`folder "${folder}" is not allowed: use letters, digits, - and _`, "bad_request");
    }
    return clean;
  });
  return [...cleanFolders, name.slice(0, -extension.length) + extension].join("/");
}

/** Absolute path of a corpus-relative document path, refusing anything that would leave the corpus folder. */
export function resolveInCorpus(
  corpusDir: string,
  documentPath: string,
  extensions: readonly string[],
): string {
  const problem = documentPathProblem(documentPath, extensions);
  if (problem) throw new AppError(`"${documentPath}" ${problem}`, "bad_request");
  const root = resolve(corpusDir);
  const absolute = resolve(root, ...documentPath.split("/"));
  if (!absolute.startsWith(root + sep))
    throw new AppError(`"${documentPath}" is outside the corpus`, "bad_request");
  return absolute;
}

/**
 * resolveInCorpus, then the disk: refuses a path that goes through a symbolic link (which could
 * lead outside the corpus) or needs a file to be a folder. Check right before touching the file.
 */
export async function resolveDocumentFile(
  corpusDir: string,
  documentPath: string,
  extensions: readonly string[],
): Promise<string> {
  const absolute = resolveInCorpus(corpusDir, documentPath, extensions);
  const problem = await realPathProblem(corpusDir, documentPath);
  if (problem) throw new AppError(`"${documentPath}" ${problem}`, "bad_request");
  return absolute;
}

/** Writes through a dot-named temporary file (which ingestion ignores) and a rename. */
export async function writeFileAtomically(path: string, content: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = join(dirname(path), `.upload-${randomBytes(6).toString("hex")}`);
  try {
    await writeFile(temporary, content);
    await rename(temporary, path);
  } finally {
    await rm(temporary, { force: true });
  }
}

export async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** File contents by SHA-256, deduplicated: `<dir>/<hash>.blob` (no document extension, so never ingested). */
export class CorpusArchive {
  constructor(readonly dir: string) {}

  private blobPath(hash: string): string {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new AppError(`bad content hash ${hash}`, "internal");
    return join(this.dir, `${hash}.blob`);
  }

  async store(content: Uint8Array): Promise<string> {
    const hash = contentHashOf(content);
    const path = this.blobPath(hash);
    const exists = await stat(path).then(
      () => true,
      () => false,
    );
    if (!exists) await writeFileAtomically(path, content);
    return hash;
  }

  async read(hash: string): Promise<Buffer | undefined> {
    return readIfExists(this.blobPath(hash));
  }

  /** Archives every document in the folder; returns path -> content hash. */
  async snapshot(corpusDir: string, extensions: readonly string[]): Promise<Map<string, string>> {
    const hashes = new Map<string, string>();
    for (const file of await listCorpusDocuments(corpusDir, extensions)) {
      const content = await readIfExists(file.absolutePath);
      if (content) hashes.set(file.path, await this.store(content));
    }
    return hashes;
  }
}
