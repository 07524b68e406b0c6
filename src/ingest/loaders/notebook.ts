/**
 * Jupyter / Colab notebook loader (.ipynb is JSON): Markdown cells as text, code cells kept as code
 * in fences, outputs left out unless they are short text. Each block is located by the heading path
 * of the Markdown above it. Front matter in the first Markdown cell (or a .meta.json sidecar, as for
 * transcripts) gives the title and the Colab link.
 */
import type { LoadedDocument, TextBlock } from "../../types.ts";
import { parseFailed, titleFromPath } from "./common.ts";
import {
  cleanBody,
  HEADING,
  LECTURE_KEYS,
  pickString,
  splitFrontMatter,
  TITLE_KEYS,
  URL_KEYS,
} from "./markdown.ts";

/** Outputs longer than this (tracebacks, printed tensors, progress logs) are noise to a student. */
const MAX_OUTPUT_CHARS = 300;
const COLAB_KEYS = ["colab", ...URL_KEYS];

interface Cell {
  cell_type?: unknown;
  source?: unknown;
  outputs?: unknown;
}

export function loadNotebook(path: string, text: string): LoadedDocument {
  let notebook: { cells?: unknown; metadata?: Record<string, unknown> };
  try {
    notebook = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw parseFailed(path, `not a notebook: the file is not valid JSON (${reason})`, error);
  }
  if (!notebook || !Array.isArray(notebook.cells)) {
    throw parseFailed(path, 'not a notebook: no "cells" list (nbformat 4 is expected)');
  }
  const language = notebookLanguage(notebook.metadata);
  const blocks: TextBlock[] = [];
  const stack: { level: number; text: string }[] = [];
  let data: Record<string, unknown> = {};
  let firstHeading: string | undefined;
  let seenMarkdown = false;
  const location = () => stack.map((entry) => entry.text).join(" > ");

  for (const cell of notebook.cells as Cell[]) {
    let source = sourceText(cell.source);
    if (cell.cell_type === "markdown") {
      if (!seenMarkdown) {
        seenMarkdown = true;
        const split = splitFrontMatter(path, source);
        if (Object.keys(split.data).length > 0) data = split.data;
        source = split.body;
      }
      let lines: string[] = [];
      const flush = () => {
        const body = cleanBody(lines);
        // A heading alone (the code under it follows in its own cell) is not a passage.
        if (body && body !== stack[stack.length - 1]?.text) blocks.push({ text: body, location: location() });
        lines = [];
      };
      for (const line of source.split("\n")) {
        const heading = HEADING.exec(line);
        if (!heading) {
          lines.push(line);
          continue;
        }
        flush();
        const level = heading[1].length;
        const headingText = cleanBody([heading[2] ?? ""]);
        if (!headingText) continue;
        firstHeading ??= headingText;
        while (stack.length > 0 && stack[stack.length - 1].level >= level) stack.pop();
        stack.push({ level, text: headingText });
        lines.push(headingText);
      }
      flush();
    } else if (cell.cell_type === "code" && source.trim()) {
      const output = shortOutput(cell.outputs);
      const code = `\`\`\`${language}\n${source.trimEnd()}\n\`\`\``;
      blocks.push({ text: output ? `${code}\n輸出：\n${output}` : code, location: location() });
    }
  }

  const document: LoadedDocument = {
    path,
    title: pickString(data, TITLE_KEYS) ?? firstHeading ?? titleFromPath(path),
    format: "ipynb",
    blocks,
  };
  const url = pickString(data, COLAB_KEYS);
  const lecture = pickString(data, LECTURE_KEYS);
  if (url) document.url = url;
  if (lecture) document.lecture = lecture;
  return document;
}

/** Cell sources are a string or a list of lines (each with its own "\n"). */
function sourceText(source: unknown): string {
  if (typeof source === "string") return source;
  if (Array.isArray(source)) return source.filter((line) => typeof line === "string").join("");
  return "";
}

/** Printed or returned plain text, when there is little of it; images, HTML and errors are left out. */
function shortOutput(outputs: unknown): string {
  if (!Array.isArray(outputs)) return "";
  const texts: string[] = [];
  for (const output of outputs as Record<string, unknown>[]) {
    if (output.output_type === "stream") texts.push(sourceText(output.text));
    else if (output.output_type === "execute_result" || output.output_type === "display_data") {
      const data = output.data as Record<string, unknown> | undefined;
      if (data && "text/plain" in data && Object.keys(data).length === 1)
        texts.push(sourceText(data["text/plain"]));
    }
  }
  const text = texts.join("\n").trim();
  return text.length > 0 && text.length <= MAX_OUTPUT_CHARS ? text : "";
}

function notebookLanguage(metadata: Record<string, unknown> | undefined): string {
  const info = metadata?.language_info as Record<string, unknown> | undefined;
  const kernel = metadata?.kernelspec as Record<string, unknown> | undefined;
  const name = info?.name ?? kernel?.language;
  return typeof name === "string" && /^[\w+-]+$/.test(name) ? name : "python";
}
