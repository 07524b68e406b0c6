/** Loads a course document from its bytes, choosing the parser by file extension. */
import { AppError } from "../../errors.ts";
import type { LoadedDocument } from "../../types.ts";
import { decodeText, normalizeText } from "../text/normalize.ts";
import { parseFailed } from "./common.ts";
import { loadDocx } from "./docx.ts";
import { loadHtml } from "./html.ts";
import { loadMarkdown } from "./markdown.ts";
import { loadNotebook } from "./notebook.ts";
import { loadPdf } from "./pdf.ts";
import { loadPlainText } from "./plain-text.ts";
import { loadPptx } from "./pptx.ts";
import { loadSrt, loadVtt } from "./subtitles.ts";

type TextLoader = (path: string, text: string) => LoadedDocument;

const TEXT_LOADERS: Record<string, TextLoader> = {
  ".md": loadMarkdown,
  ".markdown": loadMarkdown,
  ".txt": loadPlainText,
  ".srt": loadSrt,
  ".vtt": loadVtt,
  ".ipynb": loadNotebook,
  ".html": loadHtml,
  ".htm": loadHtml,
};

type BinaryLoader = (path: string, content: Buffer) => Promise<LoadedDocument>;

/** Formats read from their bytes (zip packages, PDF). */
const BINARY_LOADERS: Record<string, BinaryLoader> = {
  ".pdf": loadPdf,
  ".pptx": loadPptx,
  ".docx": loadDocx,
};

/** File extensions loadDocument understands, lower-case with the leading dot. */
export const SUPPORTED_EXTENSIONS: readonly string[] = [
  ...Object.keys(TEXT_LOADERS),
  ...Object.keys(BINARY_LOADERS),
];

/**
 * Parses one corpus file. `relativePath` is the path inside the corpus folder; it becomes the
 * document's path (with forward slashes) and appears in every error message.
 * Throws AppError with code "parse_failed" for an unsupported extension or unreadable content.
 */
export async function loadDocument(
  relativePath: string,
  content: Buffer,
  /** The format, when the path does not say (a web page's content type). */
  extension: string = extensionOf(relativePath.replace(/\\/g, "/")),
): Promise<LoadedDocument> {
  const path = relativePath.replace(/\\/g, "/");
  try {
    const binaryLoader = BINARY_LOADERS[extension];
    if (binaryLoader) return await binaryLoader(path, content);
    const loader = TEXT_LOADERS[extension];
    if (!loader) {
      const supported = SUPPORTED_EXTENSIONS.join(", ");
      throw parseFailed(path, `unsupported file type "${extension || "(none)"}" (supported: ${supported})`);
    }
    const text = decodeText(content);
    if (text === undefined) throw parseFailed(path, "the file is not UTF-8 text");
    return loader(path, normalizeText(text));
  } catch (error) {
    if (error instanceof AppError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw parseFailed(path, reason, error);
  }
}

function extensionOf(path: string): string {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot).toLowerCase() : "";
}

const CONTENT_TYPES: Record<string, string> = {
  "text/html": ".html",
  "application/xhtml+xml": ".html",
  "text/markdown": ".md",
  "text/plain": ".txt",
  "application/pdf": ".pdf",
  "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
  "application/x-ipynb+json": ".ipynb",
  "text/vtt": ".vtt",
  "application/x-subrip": ".srt",
};

/**
 * The loader extension for a downloaded file: the URL's own supported extension first (servers often
 * send .ipynb or .md as text/plain or octet-stream), else the content type. Undefined: not supported.
 */
export function extensionForDownload(url: string, contentType: string): string | undefined {
  const fromPath = extensionOf(new URL(url).pathname);
  if (SUPPORTED_EXTENSIONS.includes(fromPath)) return fromPath;
  return CONTENT_TYPES[contentType];
}
