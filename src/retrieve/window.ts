/**
 * Small-to-big passages. Pure (the neighbouring chunks are looked up by the caller).
 *
 * Chunks are cut small so that the retrievers match the question's words precisely; but the answer
 * often sits a sentence past those words (the example, then its result). A found chunk is widened
 * with the text that follows it in its document, then the text before it, up to a character cap:
 * whole neighbouring chunks while they fit, then the start of the next one cut at a sentence end.
 * The first passage may grow further than the rest: the best match is where the answer most often
 * sits one chunk past the words the question shares, and the others keep the total down.
 */
import type { Chunk, Passage } from "../types.ts";

export interface WidenOptions {
  /** Longest widened passage, in characters (code points). */
  maxChars: number;
  /** Longest first passage; default maxChars. */
  firstMaxChars?: number;
  /** Passages returned. */
  limit: number;
}

/** How many positions either side a passage may grow by (chunks are rarely under a fifth of the cap). */
export const WIDEN_REACH = 2;

const length = (text: string) => [...text].length;

/** Longest end of `first` (8 characters or more) that `second` starts with: the chunker's overlap. */
function overlapLength(first: string, second: string): number {
  const limit = Math.min(first.length, second.length) - 1;
  for (let size = limit; size >= 8; size--) {
    if (first.endsWith(second.slice(0, size))) return size;
  }
  return 0;
}

/** Two neighbouring chunks' text as one, their overlap said once. */
export function joinNeighbours(earlier: string, later: string): string {
  const first = earlier.trimEnd();
  const second = later.trimStart();
  const shared = overlapLength(first, second);
  return shared > 0 ? first + second.slice(shared) : `${first}\n${second}`;
}

const SENTENCE_ENDS = [..."。！？!?；;\n"];

/** The longest start of `text` within maxChars, ending at a sentence end (or a space) when one is near. */
export function cutAtBoundary(text: string, maxChars: number): string {
  const characters = [...text];
  if (characters.length <= maxChars) return text;
  const head = characters.slice(0, maxChars).join("");
  const sentenceEnd = Math.max(...SENTENCE_ENDS.map((mark) => head.lastIndexOf(mark)));
  const end = sentenceEnd > head.length * 0.6 ? sentenceEnd : head.lastIndexOf(" ");
  return end > head.length * 0.6 ? head.slice(0, end + 1).trimEnd() : head;
}

/**
 * Widens each passage within its document (see the file comment). A passage whose chunk is already
 * inside a better-ranked passage's text is dropped, and later ones move up; ranks are renumbered.
 * `neighbours` holds chunks around the passages (any order, any documents).
 */
export function widenPassages(
  passages: readonly Passage[],
  neighbours: readonly Chunk[],
  options: WidenOptions,
): Passage[] {
  const byPlace = new Map(neighbours.map((chunk) => [`${chunk.documentPath}\0${chunk.position}`, chunk]));
  const covered = new Set<string>();
  const widened: Passage[] = [];
  for (const passage of passages) {
    const maxChars = widened.length === 0 ? (options.firstMaxChars ?? options.maxChars) : options.maxChars;
    const { documentPath, position } = passage.chunk;
    const place = (offset: number) => `${documentPath}\0${position + offset}`;
    if (covered.has(place(0))) continue;
    covered.add(place(0));
    let text = passage.chunk.text;
    let after = 0;
    let before = 0;
    for (let grown = true; grown && length(text) < maxChars; ) {
      grown = false;
      const next = byPlace.get(place(after + 1));
      if (next && !covered.has(place(after + 1))) {
        const joined = joinNeighbours(text, next.text);
        if (length(joined) > maxChars) {
          // The start of the next chunk, up to the cap, and no further growth.
          text = cutAtBoundary(joined, maxChars);
          break;
        }
        text = joined;
        after += 1;
        covered.add(place(after));
        grown = true;
      }
      const previous = byPlace.get(place(-before - 1));
      if (previous && !covered.has(place(-before - 1))) {
        const joined = joinNeighbours(previous.text, text);
        if (length(joined) <= maxChars) {
          text = joined;
          before += 1;
          covered.add(place(-before));
          grown = true;
        }
      }
    }
    widened.push({ ...passage, rank: widened.length + 1, chunk: { ...passage.chunk, text } });
    if (widened.length >= options.limit) break;
  }
  return widened;
}
