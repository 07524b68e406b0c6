/**
 * Word loader (mammoth turns .docx into semantic HTML): headings become locations, tables stay rows
 * ("項目 | 配分"), lists keep their items. Images and styling are left out.
 */

import { parseHTML } from "linkedom";
import mammoth from "mammoth";
import type { LoadedDocument } from "../../types.ts";
import { parseFailed, titleFromPath } from "./common.ts";
import { type DomNode, htmlBlocks } from "./html-blocks.ts";
import { OfficePackage } from "./office-package.ts";

export async function loadDocx(path: string, content: Buffer): Promise<LoadedDocument> {
  // mammoth unpacks the text parts whole: count them first (images are never unpacked, see below).
  const pack = await OfficePackage.open(path, content, "Word document");
  await pack.checkSize((part) => !part.startsWith("word/media/"));
  let html: string;
  try {
    // Images would arrive as base64 data URIs: drop them, they carry no searchable text.
    const result = await mammoth.convertToHtml(
      { buffer: content },
      { convertImage: mammoth.images.imgElement(async () => ({ src: "" })) },
    );
    html = result.value;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw parseFailed(path, `not a readable Word document (${reason})`, error);
  }
  const { document } = parseHTML(`<html><body>${html}</body></html>`);
  const headings = Array.from(document.querySelectorAll("h1"));
  const titleHeading =
    headings.length === 1 ? (headings[0].textContent ?? "").replace(/\s+/g, " ").trim() : undefined;
  return {
    path,
    title: titleHeading || titleFromPath(path),
    format: "docx",
    blocks: htmlBlocks(document.body as unknown as DomNode, { titleHeading }),
  };
}
