/**
 * Sentence, clause and hard splitting for Chinese and English text (pure).
 * Cuts only ever fall after BMP punctuation, at whitespace, or at grapheme boundaries,
 * so no piece starts or ends inside a surrogate pair or a grapheme cluster.
 */

/** A piece of text and the whitespace that preceded it in the source, collapsed to "\n", " " or "". */
export interface TextPiece {
  text: string;
  separator: string;
}

const CLOSERS = "」』）)\\]”’》〉】\"'";
// CJK sentence ends always end a sentence; "." only before whitespace or the end of the line.
const SENTENCE_END = new RegExp(`[。！？；!?;…‼⁇⁈⁉．]+[${CLOSERS}]*|\\.+[${CLOSERS}]*(?=\\s|$)`, "gu");
// "Dr. Lee", "e.g. this", "J. Smith", and list markers like "1. 內容生成" do not end a sentence.
const ABBREVIATION = /(?:^|[\s(])(?:e\.g|i\.e|mr|mrs|ms|dr|prof|fig|vs|cf|al|st|no)$/i;
const INITIAL = /(?:^|\s)[A-Z]$/;
const LIST_MARKER = /^\s*\d{1,3}$/;
// ASCII "," and ":" are clause marks unless they sit inside a number or a time (1,000 / 12:30).
const CLAUSE_END = new RegExp(`(?:[，、：﹐﹑]+|[,:](?!\\d))[${CLOSERS}]*`, "gu");
const CJK =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\uff00-\uffef]/u;

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Splits text into sentences: at line breaks, CJK and ASCII sentence marks, and English sentence ends. */
export function splitSentences(text: string): TextPiece[] {
  return splitLines(text, (line) => {
    const cuts: number[] = [];
    for (const match of line.matchAll(SENTENCE_END)) {
      if (match[0].startsWith(".") && isAbbreviationBefore(line, match.index)) continue;
      cuts.push(match.index + match[0].length);
    }
    return cuts;
  });
}

/**
 * Splits text into clauses: after commas, enumeration commas and colons, and at whitespace next to
 * a CJK character. Unpunctuated lecture transcripts mark pauses only with spaces between Chinese words.
 */
export function splitClauses(text: string): TextPiece[] {
  return splitLines(text, (line) => {
    const cuts: number[] = [];
    for (const match of line.matchAll(CLAUSE_END)) cuts.push(match.index + match[0].length);
    for (const match of line.matchAll(/\s+/g)) {
      const end = match.index + match[0].length;
      if (CJK.test(characterBefore(line, match.index)) || CJK.test(characterAt(line, end))) {
        cuts.push(match.index);
      }
    }
    return cuts.sort((a, b) => a - b);
  });
}

/**
 * Cuts text into pieces of at most maxLength UTF-16 units, preferring a space in the second half
 * of the window (English words) and otherwise cutting between grapheme clusters.
 */
export function splitHard(text: string, maxLength: number): TextPiece[] {
  const pieces: TextPiece[] = [];
  let rest = text.trim();
  let separator = "";
  while (rest.length > maxLength) {
    let cut = graphemeBoundaryAtOrBefore(rest, maxLength);
    const space = rest.lastIndexOf(" ", cut);
    if (space > maxLength / 2) cut = space;
    pieces.push({ text: rest.slice(0, cut).trimEnd(), separator });
    const remainder = rest.slice(cut);
    rest = remainder.trimStart();
    separator = remainder.length > rest.length ? " " : "";
  }
  if (rest) pieces.push({ text: rest, separator });
  return pieces;
}

/** Joins pieces with their own separators; the first piece's separator is dropped. */
export function joinPieces(pieces: readonly TextPiece[]): string {
  return pieces.map((piece, index) => (index === 0 ? piece.text : piece.separator + piece.text)).join("");
}

/** Length of pieces once joined, without building the string. */
export function joinedLength(pieces: readonly TextPiece[]): number {
  let length = 0;
  pieces.forEach((piece, index) => {
    length += piece.text.length + (index === 0 ? 0 : piece.separator.length);
  });
  return length;
}

/** Runs a per-line cutter; a line break becomes the next piece's "\n" separator. */
function splitLines(text: string, findCuts: (line: string) => number[]): TextPiece[] {
  const pieces: TextPiece[] = [];
  let pendingSeparator = "";
  for (const line of text.split("\n")) {
    let start = 0;
    for (const cut of [...findCuts(line), line.length]) {
      if (cut <= start) continue;
      const slice = line.slice(start, cut);
      const trimmed = slice.trim();
      start = cut;
      if (!trimmed) {
        if (slice && !pendingSeparator) pendingSeparator = " ";
        continue;
      }
      const leadingSpace = /^\s/.test(slice) ? " " : "";
      pieces.push({ text: trimmed, separator: pendingSeparator || leadingSpace });
      pendingSeparator = /\s$/.test(slice) ? " " : "";
    }
    pendingSeparator = "\n";
  }
  return pieces;
}

/** The largest grapheme boundary at or before limit (at least one code point, so progress is made). */
function graphemeBoundaryAtOrBefore(text: string, limit: number): number {
  let boundary = 0;
  // Segment only a window: a boundary depends on its near neighbours, and segmenting the whole
  // remaining text on every cut would make long unbroken text quadratic.
  for (const { index, segment } of graphemes.segment(text.slice(0, limit + 32))) {
    if (index + segment.length > limit) break;
    boundary = index + segment.length;
  }
  if (boundary > 0) return boundary;
  // A single grapheme longer than the limit (e.g. stacked combining marks): cut between code points.
  let cut = 0;
  for (const character of text) {
    if (cut + character.length > limit && cut > 0) break;
    cut += character.length;
  }
  return cut;
}

/** Whether the "." at dotIndex closes an abbreviation, an initial or a list number rather than a sentence. */
function isAbbreviationBefore(line: string, dotIndex: number): boolean {
  // A short window keeps this linear on 35,000-character transcript lines.
  const start = Math.max(0, dotIndex - 16);
  const window = line.slice(start, dotIndex);
  if (ABBREVIATION.test(window) || INITIAL.test(window)) return true;
  return start === 0 && LIST_MARKER.test(window);
}

function characterBefore(text: string, index: number): string {
  if (index <= 0) return "";
  const low = text.charCodeAt(index - 1);
  const isLowSurrogate = low >= 0xdc00 && low <= 0xdfff;
  return isLowSurrogate && index >= 2 ? text.slice(index - 2, index) : text.slice(index - 1, index);
}

function characterAt(text: string, index: number): string {
  const codePoint = text.codePointAt(index);
  return codePoint === undefined ? "" : String.fromCodePoint(codePoint);
}
