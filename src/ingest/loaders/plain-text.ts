/** Plain-text loader: one block per paragraph (blank-line separated), or the whole text. */
import type { LoadedDocument, TextBlock } from "../../types.ts";
import { titleFromPath } from "./common.ts";

/** Parses normalized plain text; paragraphs are located as "第 N 段" when there is more than one. */
export function loadPlainText(path: string, text: string): LoadedDocument {
  const paragraphs = text
    .split(/\n[ \u3000]*\n/)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph.length > 0);
  const blocks: TextBlock[] =
    paragraphs.length === 1
      ? [{ text: paragraphs[0], location: "" }]
      : paragraphs.map((paragraph, index) => ({ text: paragraph, location: `第 ${index + 1} 段` }));
  return { path, title: titleFromPath(path), format: "txt", blocks };
}
