/**
 * English words the corpus uses, and a question's misspelt or run-together ones mapped onto them.
 * Pure.
 *
 * Students type course terms from memory: 「transfomer」, 「temperture」, 「huggingface」 for the
 * slides' "Hugging Face". Full-text search matches whole terms, so one wrong letter loses the term
 * entirely. A question word the corpus never uses is searched also as the corpus word one or two
 * edits away (the most frequent such word), or as two corpus words when it splits into them.
 */
import { normalizeForSearch } from "./normalize.ts";
import { ENGLISH_STOP_WORDS } from "./terms.ts";

/** Each English word of the corpus (normalized, lowercase) and how many times it occurs. */
export type Vocabulary = ReadonlyMap<string, number>;

const LATIN_WORD = /[a-z]+/g;
/** Shorter words are too often a different real word one edit away (「top」/「tip」). */
const MIN_CORRECTED_LENGTH = 5;
/** Words this long may be two edits off (「trasnfomer」). */
const TWO_EDITS_FROM_LENGTH = 8;
/** Shortest part when splitting a run-together word (「huggingface」 → hugging face). */
const MIN_SPLIT_PART = 3;

export function buildVocabulary(texts: Iterable<string>): Vocabulary {
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const [word] of normalizeForSearch(text).toLowerCase().matchAll(LATIN_WORD))
      counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return counts;
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions), capped at limit + 1. */
export function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowBest = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        value = Math.min(value, before[j - 2]! + 1);
      current.push(value);
      rowBest = Math.min(rowBest, value);
    }
    if (rowBest > limit) return limit + 1;
    before = previous;
    previous = current;
  }
  return previous[b.length]!;
}

/** The corpus word closest to `word` within the allowed edits (ties: the most frequent), if any. */
function nearestWord(word: string, vocabulary: Vocabulary): string | undefined {
  const limit = word.length >= TWO_EDITS_FROM_LENGTH ? 2 : 1;
  let best: { word: string; distance: number; count: number } | undefined;
  for (const [candidate, count] of vocabulary) {
    if (candidate.length < MIN_CORRECTED_LENGTH - 1) continue;
    const distance = editDistance(word, candidate, limit);
    if (distance > limit) continue;
    if (!best || distance < best.distance || (distance === best.distance && count > best.count))
      best = { word: candidate, distance, count };
  }
  return best?.word;
}

/** Two corpus words that `word` is made of (「huggingface」 → "hugging face"), if any. */
function splitWord(word: string, vocabulary: Vocabulary): string | undefined {
  for (let cut = MIN_SPLIT_PART; cut <= word.length - MIN_SPLIT_PART; cut++) {
    const head = word.slice(0, cut);
    const tail = word.slice(cut);
    if (vocabulary.has(head) && vocabulary.has(tail)) return `${head} ${tail}`;
  }
  return undefined;
}

/**
 * The corpus's spelling of each English word of the question that the corpus never uses,
 * space-separated ("temperture" → "temperature"; "huggingface" → "hugging face"). "" when none.
 */
export function spellingExpansion(question: string, vocabulary: Vocabulary): string {
  if (vocabulary.size === 0) return "";
  const added = new Set<string>();
  for (const [word] of normalizeForSearch(question).toLowerCase().matchAll(LATIN_WORD)) {
    if (word.length < MIN_CORRECTED_LENGTH || vocabulary.has(word) || ENGLISH_STOP_WORDS.has(word)) continue;
    const replacement = splitWord(word, vocabulary) ?? nearestWord(word, vocabulary);
    if (replacement) added.add(replacement);
  }
  return [...added].join(" ");
}
