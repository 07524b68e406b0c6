/**
 * The word-level lexical view: ICU word segmentation (Node's Intl.Segmenter for zh-Hant) of the
 * normalized text, one space-separated term per word. Pure.
 *
 * The character-bigram view (terms.ts) finds any shared pair of characters, including pairs that
 * straddle two words; this view matches whole words (「模型」, 「檢索」, 「vocabulary」), so a passage
 * that uses the question's words ranks above one that merely shares its characters. The two are
 * fused by rank (retrieve/fusion.ts).
 */
import { courseNumberTerms, normalizeForSearch } from "./normalize.ts";
import {
  CHINESE_PARTICLES,
  ENGLISH_STOP_WORDS,
  lightStem,
  queryExpansions,
  stripQuestionWords,
  wordParts,
} from "./terms.ts";

const segmenter = new Intl.Segmenter("zh-Hant", { granularity: "word" });
const HAS_LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const LATIN = /^[\p{Script=Latin}\p{N}_]+$/u;

function wordsOf(text: string, mode: "index" | "query"): string[] {
  const normalized = normalizeForSearch(text);
  const terms: string[] = [];
  let previousLatin: { word: string; end: number } | undefined;
  for (const segment of segmenter.segment(normalized)) {
    if (!segment.isWordLike || !HAS_LETTER_OR_DIGIT.test(segment.segment)) continue;
    const original = segment.segment;
    const word = original.toLowerCase();
    if (!LATIN.test(word)) {
      previousLatin = undefined;
      if (mode === "query" && CHINESE_PARTICLES.has(word)) continue;
      terms.push(word);
      continue;
    }
    if (mode === "query" && ENGLISH_STOP_WORDS.has(word)) {
      previousLatin = undefined;
      continue;
    }
    terms.push(lightStem(word), ...wordParts(original));
    // 「top k」 also searches 「topk」, as the bigram view does.
    if (
      mode === "query" &&
      previousLatin &&
      /^[\s\-_]*$/.test(normalized.slice(previousLatin.end, segment.index))
    )
      terms.push(lightStem(previousLatin.word + word));
    previousLatin = { word, end: segment.index + original.length };
  }
  terms.push(...courseNumberTerms(normalized));
  return terms;
}

/** The space-separated words stored beside a chunk's text for the word-level full-text index. */
export function indexWords(text: string): string {
  return wordsOf(text, "index").join(" ");
}

/** Word-level search terms of a question, its scaffolding (「為什麼」, 「老師說的」) and particles removed. */
export function queryWords(question: string): string {
  const stripped = wordsOf(`${stripQuestionWords(question)} ${queryExpansions(question)}`, "query");
  const words = stripped.length > 0 ? stripped : wordsOf(question, "index");
  return [...new Set(words)].join(" ");
}
