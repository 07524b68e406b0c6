/**
 * Answer-quality scoring against a gold line. Pure and deterministic: the same answer and passages
 * always get the same scores, so two evaluation runs can be compared question by question.
 */
import { ENGLISH_STOP_WORDS } from "../text/terms.ts";
import { normalizeFactText } from "./normalize-fact.ts";

/** One gold line: what a right answer to `question` states, draws on, or that it should decline. */
export interface GoldQuestion {
  question: string;
  /** Short phrases a right answer states. */
  facts?: string[];
  /** Documents (corpus paths, e.g. "faq.md" or "lectures/lecture-05-sampling.md") it should draw on. */
  sources?: string[];
  /** The TA should decline (off-topic, harmful, or not in the material). Default false. */
  refuse?: boolean;
}

/** What the pipeline produced for one question. */
export interface ScoredAnswer {
  text: string;
  mode: string;
  /** The passages shown to the model, numbered [1], [2]… in this order. */
  passages: { documentPath: string; text: string }[];
}

export interface CitationCheck {
  /** Every [n] in the answer, in order. */
  cited: number[];
  /** Cited numbers that name no passage. */
  invalidNumbers: number[];
  /** Sentences whose cited passages do not share enough of their key terms. */
  unsupported: string[];
  /** Share of citations that name a passage supporting their sentence; null when nothing is cited. */
  score: number | null;
}

export interface QuestionScores {
  /** An expected document among the passages shown; null when the gold line names none. */
  sourcesHit: boolean | null;
  /** Share of the gold facts the answer states; null when the gold line has none. */
  factRecall: number | null;
  missingFacts: string[];
  citations: CitationCheck;
  declined: boolean;
  refusalCorrect: boolean;
}

/** Modes in which the TA did not answer from the material. */
const DECLINING_MODES = new Set(["refusal", "not-covered"]);
/** How a model says, in its own words, that the material does not cover a question. */
const DECLINE_PHRASES = [
  /沒有(找到|提到|相關|這方面|這個)/,
  /(無法|不能|沒辦法)(回答|確定|提供)/,
  /(課程|講義)?資料(中|裡)?(並)?(沒有|未)/,
  /不在(課程|這門課)/,
  /\b(i don't know|not covered|cannot answer|can't answer)\b/i,
];
/** A cited sentence counts as supported when this share of its key terms is in the cited passages… */
export const SUPPORT_MIN_SHARE = 0.3;
/** …and at least this many (a one-term sentence needs that one term). */
const SUPPORT_MIN_TERMS = 2;

/** Declined by mode (fixed refusal / not-covered replies) or by a model saying so in its answer. */
export function isDeclined(answer: Pick<ScoredAnswer, "text" | "mode">): boolean {
  if (DECLINING_MODES.has(answer.mode)) return true;
  if (answer.mode !== "answer") return false;
  const text = answer.text.normalize("NFKC");
  return DECLINE_PHRASES.some((pattern) => pattern.test(text));
}

/** Whether any expected document is among the passages (matched as a path or its ending). */
export function sourcesHit(expected: readonly string[] | undefined, passages: ScoredAnswer["passages"]) {
  if (!expected || expected.length === 0) return null;
  const wanted = expected.map((source) => source.replace(/^\.?\//, "").toLowerCase());
  return passages.some((passage) => {
    const path = passage.documentPath.toLowerCase();
    return wanted.some((source) => path === source || path.endsWith(`/${source}`));
  });
}

/** The facts the answer states and those it misses, compared after normalizeFactText. */
export function factRecall(facts: readonly string[] | undefined, answer: string) {
  if (!facts || facts.length === 0) return { recall: null, missing: [] as string[] };
  const normalizedAnswer = normalizeFactText(answer);
  const missing = facts.filter((fact) => !normalizedAnswer.includes(normalizeFactText(fact)));
  return { recall: (facts.length - missing.length) / facts.length, missing };
}

const CITATION = /\[(\d+(?:\s*[,，、]\s*\d+)*)\]/g;
const CJK_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+/gu;
const LATIN_WORD = /[a-z0-9][a-z0-9.+-]*/g;

/** Key terms: CJK character bigrams and Latin words (no stop words), after fact normalization. */
export function keyTerms(text: string): Set<string> {
  const normalized = normalizeFactText(text.replace(CITATION, " "), { keepSpaces: true });
  const terms = new Set<string>();
  for (const run of normalized.match(CJK_RUN) ?? []) {
    const characters = [...run];
    if (characters.length === 1) terms.add(run);
    for (let index = 0; index + 1 < characters.length; index++)
      terms.add(characters[index]! + characters[index + 1]!);
  }
  for (const word of normalized.replace(CJK_RUN, " ").match(LATIN_WORD) ?? []) {
    if (!ENGLISH_STOP_WORDS.has(word)) terms.add(word);
  }
  return terms;
}

/** Sentences, each with the citation numbers it carries (a citation ends the sentence it follows). */
function citedSentences(answer: string): { sentence: string; numbers: number[] }[] {
  const pieces = answer.split(/(?<=[。！？!?\n])|(?<=\.)\s+/u);
  const sentences: { sentence: string; numbers: number[] }[] = [];
  for (const piece of pieces) {
    const numbers = [...piece.normalize("NFKC").matchAll(CITATION)].flatMap((match) =>
      match[1]!.split(/[,，、]/).map((part) => Number(part.trim())),
    );
    if (piece.trim()) sentences.push({ sentence: piece.trim(), numbers });
  }
  return sentences;
}

/**
 * Every [n] must name a passage that exists, and each cited sentence must share its key terms with
 * the passages it cites (at least SUPPORT_MIN_SHARE of them). A deterministic stand-in for a judge.
 */
export function checkCitations(answer: string, passages: ScoredAnswer["passages"]): CitationCheck {
  const cited: number[] = [];
  const invalidNumbers: number[] = [];
  const unsupported: string[] = [];
  let good = 0;
  const passageTerms = passages.map((passage) => keyTerms(passage.text));
  for (const { sentence, numbers } of citedSentences(answer)) {
    if (numbers.length === 0) continue;
    const valid = numbers.filter((number) => number >= 1 && number <= passages.length);
    for (const number of numbers) {
      cited.push(number);
      if (!valid.includes(number)) invalidNumbers.push(number);
    }
    const terms = keyTerms(sentence);
    const shared = [...terms].filter((term) => valid.some((number) => passageTerms[number - 1]!.has(term)));
    const needed = Math.min(SUPPORT_MIN_TERMS, terms.size);
    const supported =
      valid.length > 0 && shared.length >= needed && shared.length >= SUPPORT_MIN_SHARE * terms.size;
    if (!supported && valid.length > 0) unsupported.push(sentence);
    if (supported) good += valid.length;
  }
  return { cited, invalidNumbers, unsupported, score: cited.length === 0 ? null : good / cited.length };
}

export function scoreAnswer(gold: GoldQuestion, answer: ScoredAnswer): QuestionScores {
  const { recall, missing } = factRecall(gold.facts, answer.text);
  const declined = isDeclined(answer);
  return {
    sourcesHit: sourcesHit(gold.sources, answer.passages),
    factRecall: recall,
    missingFacts: missing,
    citations: checkCitations(answer.text, answer.passages),
    declined,
    refusalCorrect: declined === (gold.refuse === true),
  };
}

/** Averages of each score over the questions where it applies (null when it applies to none). */
export interface ScoreSummary {
  questions: number;
  sourcesHit: number | null;
  factRecall: number | null;
  citationValidity: number | null;
  refusalCorrectness: number | null;
  faithfulness: number | null;
  answerRelevance: number | null;
}

export function mean(values: readonly (number | null | undefined)[]): number | null {
  const present = values.filter((value): value is number => typeof value === "number");
  if (present.length === 0) return null;
  return Math.round((present.reduce((sum, value) => sum + value, 0) / present.length) * 1000) / 1000;
}

export function summarizeScores(
  rows: readonly {
    scores: QuestionScores;
    judge?: { faithfulness: number | null; answerRelevance: number | null } | null;
  }[],
): ScoreSummary {
  return {
    questions: rows.length,
    sourcesHit: mean(rows.map((row) => (row.scores.sourcesHit === null ? null : +row.scores.sourcesHit))),
    factRecall: mean(rows.map((row) => row.scores.factRecall)),
    citationValidity: mean(rows.map((row) => row.scores.citations.score)),
    refusalCorrectness: mean(rows.map((row) => +row.scores.refusalCorrect)),
    faithfulness: mean(rows.map((row) => row.judge?.faithfulness)),
    answerRelevance: mean(rows.map((row) => row.judge?.answerRelevance)),
  };
}
