/** PDF loader (unpdf / PDF.js): one block per page, located as "p. N". */
import { extractText, getDocumentProxy } from "unpdf";
import type { LoadedDocument, TextBlock } from "../../types.ts";
import { normalizeText } from "../text/normalize.ts";
import { parseFailed, titleFromPath } from "./common.ts";

/** Extracts each page's text; pages without text (scans, pictures) are skipped. */
export async function loadPdf(path: string, content: Uint8Array): Promise<LoadedDocument> {
  let pages: string[];
  try {
    // PDF.js takes ownership of (detaches) the buffer it is given, so hand it a copy; verbosity 0 keeps
    // its warnings about damaged files out of the console, since we report them ourselves.
    const pdf = await getDocumentProxy(new Uint8Array(content), { verbosity: 0 });
    try {
      pages = (await extractText(pdf, { mergePages: false })).text;
    } finally {
      await pdf.destroy();
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw parseFailed(path, `not a readable PDF (${reason})`, error);
  }
  const blocks: TextBlock[] = [];
  pages.forEach((pageText, index) => {
    const text = normalizeText(pageText)
      .replace(/[^\S\n]+/g, " ")
      .replace(/ ?\n ?/g, "\n")
      .trim();
    if (text) blocks.push({ text, location: `p. ${index + 1}` });
  });
  return { path, title: titleFromPath(path), format: "pdf", blocks };
}
