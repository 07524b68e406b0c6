/**
 * Lexical reranking of full-text candidates. Pure.
 *
 * BM25 over character bigrams rewards any shared bigram, including ones that straddle two words
 * (「型只」 in 「模型只是」). A passage that contains more of the question's bigrams, and longer
 * runs of the question's characters, is more likely to be the one a student means.
 */
import { normalizeForSearch } from "../text/normalize.ts";
import { stripQuestionWords } from "../text/terms.ts";

const CJK_RUN = /[\p{Script=Han}]+|[\p{L}\p{N}]+/gu;

function ngrams(run: string, size: number): string[] {
  const characters = [...run];
  const result: string[] = [];
  for (let index = 0; index + size <= characters.length; index++)
    result.push(characters.slice(index, index + size).join(""));
  return result;
}

export interface QueryProfile {
  bigrams: string[];
  trigrams: string[];
  words: string[];
}

export function profileQuery(question: string): QueryProfile {
  const runs = [...stripQuestionWords(question).toLowerCase().matchAll(CJK_RUN)].map((match) => match[0]);
  const cjk = runs.filter((run) => /\p{Script=Han}/u.test(run));
  const words = runs.filter((run) => !/\p{Script=Han}/u.test(run));
  return {
    bigrams: [...new Set(cjk.flatMap((run) => ngrams(run, 2)))],
    trigrams: [...new Set(cjk.flatMap((run) => ngrams(run, 3)))],
    words: [...new Set(words)],
  };
}

/** Share of the question's bigrams, trigrams and words that the passage contains, in [0, 2]. */
export function coverageScore(profile: QueryProfile, passageText: string): number {
  const text = normalizeForSearch(passageText).toLowerCase().replace(/\s+/g, "");
  const share = (items: string[]) =>
    items.length === 0 ? 0 : items.filter((item) => text.includes(item)).length / items.length;
  const units = profile.bigrams.length + profile.words.length;
  const unitShare =
    units === 0
      ? 0
      : (profile.bigrams.filter((item) => text.includes(item)).length +
          profile.words.filter((item) => text.includes(item)).length) /
        units;
  return unitShare + 0.5 * share(profile.trigrams);
}
