/**
 * What is in the corpus, one rule for ingest and the admin page: a regular file with a supported
 * extension, no dot-file and nothing inside a dot-folder, whose real path is inside CORPUS_DIR.
 * Imports only node:path and node:fs, so every room may use it (admin/ must not import ingest/).
 */
import { lstat, readdir, realpath } from "node:fs/promises";
import { extname, isAbsolute, join, relative, resolve, sep } from "node:path";

export interface CorpusDocumentFile {
  /** Corpus-relative, forward slashes: the document's path in the store. */
  path: string;
  absolutePath: string;
}

/**
 * Why `documentPath` (corpus-relative, forward slashes) cannot be a corpus document, or undefined
 * when it can. Text only: see realPathProblem for what is on disk.
 */
export function documentPathProblem(documentPath: string, extensions: readonly string[]): string | undefined {
  if (isAbsolute(documentPath) || documentPath.includes("\\") || documentPath.includes("\0"))
    return "is not a document path inside the corpus";
  const segments = documentPath.split("/");
  if (segments.some((segment) => segment === "" || segment === "." || segment === ".."))
    return "is not a document path inside the corpus";
  // Dot-files and dot-folders hold temporary files, staging areas and the archive, never documents.
  if (segments.some((segment) => segment.startsWith(".")))
    return "is a hidden file or inside a hidden folder, which the corpus leaves out";
  if (!extensions.includes(extname(documentPath).toLowerCase())) return "is not a supported document";
  return undefined;
}

export function isCorpusDocumentPath(documentPath: string, extensions: readonly string[]): boolean {
  return documentPathProblem(documentPath, extensions) === undefined;
}

/**
 * Why the file at `documentPath` cannot be a corpus document on disk: a symbolic link on the way
 * (ingest does not follow links, and a link may lead outside the corpus) or something that is not
 * a regular file. Parts that do not exist yet are fine: they are created as real folders.
 */
export async function realPathProblem(corpusDir: string, documentPath: string): Promise<string | undefined> {
  const root = resolve(corpusDir);
  const segments = documentPath.split("/");
  for (let depth = 1; depth <= segments.length; depth++) {
    const named = segments.slice(0, depth).join("/");
    const current = join(root, ...segments.slice(0, depth));
    let stats: Awaited<ReturnType<typeof lstat>>;
    try {
      stats = await lstat(current);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    if (stats.isSymbolicLink()) {
      const target = await realpath(current).catch(() => undefined);
      const realRoot = await realpath(root);
      const inside = target === realRoot || target?.startsWith(realRoot + sep);
      return inside
        ? `goes through the symbolic link ${named}, which ingest does not follow: use the real path`
        : `leads outside the corpus folder through the symbolic link ${named}`;
    }
    const last = depth === segments.length;
    if (!last && !stats.isDirectory()) return `needs ${named} to be a folder, but it is a file`;
    if (last && !stats.isFile()) return "is not a regular file";
  }
  return undefined;
}

/**
 * The corpus documents in the folder, sorted by path. readdir does not follow symbolic links and
 * reports a link as neither file nor folder, so every file listed really lies inside the corpus.
 */
export async function listCorpusDocuments(
  corpusDir: string,
  extensions: readonly string[],
): Promise<CorpusDocumentFile[]> {
  const entries = await readdir(corpusDir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const absolutePath = join(entry.parentPath, entry.name);
      return { absolutePath, path: relative(corpusDir, absolutePath).split(sep).join("/") };
    })
    .filter((file) => isCorpusDocumentPath(file.path, extensions))
    .sort((a, b) => a.path.localeCompare(b.path));
}
