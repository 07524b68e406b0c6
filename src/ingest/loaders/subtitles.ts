/** SubRip (.srt) and WebVTT (.vtt) loaders: one block per cue, located at its start time. */
import type { DocumentFormat, LoadedDocument, TextBlock } from "../../types.ts";
import { formatTimestamp, parseFailed, titleFromPath } from "./common.ts";

// "00:01:02,500 --> ..." (SRT) or "01:02.500 --> ..." / "1:01:02.500 --> ..." (WebVTT).
const TIMING = /^\s*((?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)\s*-->\s*(?:\d+:)?\d{1,2}:\d{2}/;
const ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  lrm: "",
  rlm: "",
};

/** Parses normalized SubRip text. */
export function loadSrt(path: string, text: string): LoadedDocument {
  const blocks = parseCues(text);
  if (blocks.length === 0 && text.trim()) {
    throw parseFailed(path, "no subtitle cues found (expected lines like `00:00:01,000 --> 00:00:04,000`)");
  }
  return subtitleDocument(path, "srt", blocks);
}

/** Parses normalized WebVTT text. */
export function loadVtt(path: string, text: string): LoadedDocument {
  if (!/^WEBVTT(?:[ \n]|$)/.test(text.trimStart())) {
    throw parseFailed(path, "not a WebVTT file (the first line must be WEBVTT)");
  }
  return subtitleDocument(path, "vtt", parseCues(text));
}

function subtitleDocument(path: string, format: DocumentFormat, blocks: TextBlock[]): LoadedDocument {
  return { path, title: titleFromPath(path), format, blocks };
}

/** Cues are blank-line separated; anything without a timing line (header, NOTE, STYLE) is skipped. */
function parseCues(text: string): TextBlock[] {
  const blocks: TextBlock[] = [];
  for (const group of text.split(/\n[ ]*\n/)) {
    const lines = group.split("\n");
    const timingIndex = lines.findIndex((line) => line.includes("-->"));
    // The timing line is first, or second after a cue number or identifier.
    if (timingIndex < 0 || timingIndex > 1) continue;
    const timing = TIMING.exec(lines[timingIndex]);
    if (!timing) continue;
    const cueText = cleanCueText(lines.slice(timingIndex + 1).join(" "));
    // Roll-up captions repeat the previous cue; a repeat adds nothing to search.
    if (!cueText || cueText === blocks[blocks.length - 1]?.text) continue;
    const startSeconds = parseTimestamp(timing[1]);
    blocks.push({ text: cueText, location: formatTimestamp(startSeconds), startSeconds });
  }
  return blocks;
}

/** Drops markup (<i>, <v Speaker>, <00:01.000>, {\an8}) and decodes the common entities. */
function cleanCueText(text: string): string {
  return text
    .replace(/<[^>\n]*>/g, "")
    .replace(/\{\\[^}]*\}/g, "")
    .replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, (entity, name: string) => {
      if (name.startsWith("#")) {
        const code =
          name[1] === "x" || name[1] === "X" ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
      }
      return ENTITIES[name.toLowerCase()] ?? entity;
    })
    .replace(/\s+/g, " ")
    .trim();
}

/** "01:02:03,450" / "02:03.450" -> seconds. */
function parseTimestamp(stamp: string): number {
  const parts = stamp.replace(",", ".").split(":").map(Number);
  const seconds = parts.reduce((total, part) => total * 60 + part, 0);
  return Math.round(seconds * 1000) / 1000;
}
