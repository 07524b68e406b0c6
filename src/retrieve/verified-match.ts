/**
 * Matching a student's question to the verified answers staff wrote (pure).
 *
 * Full-text only, a question is scored against each verified answer by how much of what it asks
 * about that answer covers: its topic terms (question scaffolding removed; CJK bigrams, words, course
 * numbers, synonyms), each weighted by how rare it is among the verified answers (a term none of them
 * uses weighs most: the question asks about something no answer covers). A term found in the verified
 * question counts fully, one found only in its answer partly. Course numbers must agree: 「HW3 何時交」
 * never gets the answer to 「HW4 何時交」. With embeddings, the cosine of the two question vectors may
 * also decide.
 */
import { type Glossary, glossaryExpansion } from "../text/glossary.ts";
import { courseNumberTerms, normalizeForSearch } from "../text/normalize.ts";
import { lightStem, stripQuestionWords } from "../text/terms.ts";
import { VERIFIED_SYNONYMS } from "./verified-synonyms.ts";

export interface VerifiedCandidate {
  id: string;
  question: string;
  answer: string;
  /** The question's embedding, when an embedding model is loaded. */
  vector?: number[];
}

export interface VerifiedMatchThresholds {
  /** Coverage (0–1) at or above which the verified answer is served as it is. */
  serve: number;
  /** Coverage at or above which it becomes a passage the model may cite. */
  near: number;
  /** Cosine similarity of the question vectors at or above which it is served (embeddings only). */
  serveSimilarity: number;
  /** Cosine similarity at or above which it becomes a passage. */
  nearSimilarity: number;
}

/** Calibrated on test/fixtures/verified/*-calibration.jsonl (README, "Verified answers"). */
export const DEFAULT_VERIFIED_THRESHOLDS: VerifiedMatchThresholds = {
  serve: 0.55,
  near: 0.35,
  serveSimilarity: 0.92,
  nearSimilarity: 0.85,
};

/** How much a term found only in the verified answer (not its question) counts. */
export const ANSWER_TERM_WEIGHT = 0.7;

/** The score is coverage^(1-r) × recall^r: r weighs how much of the verified question is asked. */
export const RECALL_WEIGHT = 0.2;

/** How much a term no verified answer uses weighs, against the rarest term one does use. */
export const UNKNOWN_TERM_WEIGHT = 1;

export interface VerifiedMatch {
  id: string;
  /** Weighted coverage of the question's terms (0–1). */
  score: number;
  /** Cosine similarity of the question vectors, when both had one. */
  similarity?: number;
  decision: "serve" | "near";
}

/**
 * Student-voice filler around a question (「到底是啥」「看不懂」「救命」): not what is asked about.
 * Longest first; removed before the terms are taken.
 */
const VOICE_FILLERS = [
  ..."可以白話一點 請問一下 一直搞不懂 講義看不太懂 上課沒聽懂 可以解釋一下 可以給一下 看不太懂 搞不懂 看不懂 聽不懂 沒聽懂 在幹嘛的 在幹嘛 在做什麼 是甚麼 是啥 甚麼 幹嘛 到底 救命 白話 基本 概念 想法 原理 定義 代表 怎麼辦 怎麼算 還是 如果 直接 通常 規定 一下 可以 請問".split(
    " ",
  ),
  ..."啥 嗎 啊 ㄚ ㄉ 欸 喔 耶 呀 吧 嘛 ?".split(" "),
];

function withoutFillers(text: string): string {
  let result = normalizeForSearch(text).toLowerCase();
  for (const filler of VOICE_FILLERS) result = result.split(filler).join(" ");
  return result;
}

const segmenter = new Intl.Segmenter("zh-Hant", { granularity: "word" });
const HAS_LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const SINGLE_CJK = /^[\p{Script=Han}]$/u;

/**
 * The topic terms of a text: its words (ICU segmentation; single characters and question words
 * dropped), course numbers, and a canonical term for each synonym group it uses (the group's words
 * themselves are replaced by it, so 「影片」 and 「錄影」 are the same term).
 */
export function topicTerms(text: string, glossary?: Glossary): Set<string> {
  const extra = glossary ? glossaryExpansion(text, glossary) : "";
  let lower = withoutFillers(`${text} ${extra}`);
  const terms = new Set<string>();
  for (const [canonical, pattern] of VERIFIED_SYNONYMS) {
    const global = new RegExp(pattern.source, "g");
    if (global.test(lower)) {
      terms.add(canonical);
      lower = lower.replace(global, " ");
    }
  }
  const stripped = stripQuestionWords(lower).replace(/([a-z])[-_ ]([a-z0-9])(?![a-z0-9])/g, "$1$2");
  // Runs of single characters the segmenter did not know are one term (「自|迴|歸」 → 自迴歸).
  let run = "";
  const endRun = () => {
    if ([...run].length > 1) terms.add(run);
    run = "";
  };
  for (const segment of segmenter.segment(stripped)) {
    if (!segment.isWordLike || !HAS_LETTER_OR_DIGIT.test(segment.segment)) {
      endRun();
      continue;
    }
    if (SINGLE_CJK.test(segment.segment)) {
      run += segment.segment;
      continue;
    }
    endRun();
    terms.add(lightStem(segment.segment));
  }
  endRun();
  for (const number of numbersOf(text)) terms.add(number);
  return terms;
}

/** A text's course numbers (hw4, lecture3, week5). */
function numbersOf(text: string): Set<string> {
  return new Set(courseNumberTerms(normalizeForSearch(text)));
}

export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let index = 0; index < a.length && index < b.length; index++) {
    dot += a[index]! * b[index]!;
    normA += a[index]! * a[index]!;
    normB += b[index]! * b[index]!;
  }
  return normA > 0 && normB > 0 ? dot / Math.sqrt(normA * normB) : 0;
}

interface PreparedCandidate {
  candidate: VerifiedCandidate;
  questionTerms: Set<string>;
  answerTerms: Set<string>;
  numbers: Set<string>;
}

/** Matches questions against one list of verified answers (analysed once). */
export interface VerifiedMatcher {
  match(question: string, queryVector?: number[]): VerifiedMatch | undefined;
  /** Every candidate's coverage score for a question (for calibration and the admin's near list). */
  scores(question: string): { id: string; score: number }[];
  /** The question's terms no verified answer uses (calibration). */
  unknownTerms(question: string): string[];
}

export function createVerifiedMatcher(
  candidates: ReadonlyArray<VerifiedCandidate>,
  thresholds: VerifiedMatchThresholds,
  options: {
    glossary?: Glossary;
    answerTermWeight?: number;
    unknownTermWeight?: number;
    recallWeight?: number;
  } = {},
): VerifiedMatcher {
  const recallWeight = options.recallWeight ?? RECALL_WEIGHT;
  const answerWeight = options.answerTermWeight ?? ANSWER_TERM_WEIGHT;
  const unknownWeight = options.unknownTermWeight ?? UNKNOWN_TERM_WEIGHT;
  const prepared: PreparedCandidate[] = candidates.map((candidate) => ({
    candidate,
    questionTerms: topicTerms(candidate.question, options.glossary),
    answerTerms: topicTerms(candidate.answer, options.glossary),
    numbers: numbersOf(candidate.question),
  }));
  const documentFrequency = new Map<string, number>();
  for (const entry of prepared)
    for (const term of new Set([...entry.questionTerms, ...entry.answerTerms]))
      documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
  const count = prepared.length;
  const rarest = Math.log((count + 1) / 1.5);
  // A term no verified answer uses is either what the question is really about or student noise.
  const weightOf = (term: string) => {
    const frequency = documentFrequency.get(term) ?? 0;
    return frequency === 0 ? rarest * unknownWeight : Math.log((count + 1) / (frequency + 0.5));
  };

  const coverage = (terms: Set<string>, numbers: Set<string>, entry: PreparedCandidate): number => {
    if (numbers.size > 0 && entry.numbers.size > 0) {
      for (const number of entry.numbers) if (!numbers.has(number)) return 0;
    }
    let total = 0;
    let covered = 0;
    for (const term of terms) {
      const weight = weightOf(term);
      total += weight;
      if (entry.questionTerms.has(term)) covered += weight;
      else if (entry.answerTerms.has(term)) covered += weight * answerWeight;
    }
    if (total === 0) return 0;
    // Also: how much of the verified question the student's question touches.
    let questionTotal = 0;
    let questionShared = 0;
    for (const term of entry.questionTerms) {
      const weight = weightOf(term);
      questionTotal += weight;
      if (terms.has(term)) questionShared += weight;
    }
    const precision = covered / total;
    const recall = questionTotal > 0 ? questionShared / questionTotal : 0;
    return precision ** (1 - recallWeight) * recall ** recallWeight;
  };

  const known = [...documentFrequency.keys()].filter((term) => /^[a-z]{6,}$/.test(term));
  const scored = (question: string) => {
    const terms = correctSpelling(topicTerms(question, options.glossary), documentFrequency, known);
    const numbers = numbersOf(question);
    return prepared.map((entry) => ({ entry, score: coverage(terms, numbers, entry) }));
  };

  return {
    unknownTerms: (question) =>
      [...topicTerms(question, options.glossary)].filter((term) => !documentFrequency.has(term)),
    scores: (question) => scored(question).map(({ entry, score }) => ({ id: entry.candidate.id, score })),
    match(question, queryVector) {
      let best: VerifiedMatch | undefined;
      let bestRank = Number.NEGATIVE_INFINITY;
      const numbers = numbersOf(question);
      for (const { entry, score } of scored(question)) {
        const vector = entry.candidate.vector;
        const numbersAgree = score > 0 || !numbersDisagree(numbers, entry.numbers);
        const similarity =
          queryVector && vector && numbersAgree ? cosineSimilarity(queryVector, vector) : undefined;
        const decision =
          score >= thresholds.serve || (similarity ?? -1) >= thresholds.serveSimilarity
            ? "serve"
            : score >= thresholds.near || (similarity ?? -1) >= thresholds.nearSimilarity
              ? "near"
              : undefined;
        if (!decision) continue;
        // Serve before near, then by how far past its threshold the stronger signal is.
        const margin = Math.max(
          score - thresholds[decision],
          similarity === undefined
            ? -1
            : similarity - thresholds[decision === "serve" ? "serveSimilarity" : "nearSimilarity"],
        );
        const rank = (decision === "serve" ? 10 : 0) + margin;
        if (rank > bestRank) {
          best = { id: entry.candidate.id, score, similarity, decision };
          bestRank = rank;
        }
      }
      return best;
    },
  };
}

function numbersDisagree(query: Set<string>, candidate: Set<string>): boolean {
  if (query.size === 0 || candidate.size === 0) return false;
  for (const number of candidate) if (!query.has(number)) return true;
  return false;
}

/** A long Latin word no answer uses but one letter away from one that is (「templete」) is that word. */
function correctSpelling(terms: Set<string>, frequency: Map<string, number>, known: string[]): Set<string> {
  const corrected = new Set<string>();
  for (const term of terms) {
    const near =
      frequency.has(term) || !/^[a-z]{6,}$/.test(term)
        ? undefined
        : known.find((word) => withinOneEdit(term, word));
    corrected.add(near ?? term);
  }
  return corrected;
}

function withinOneEdit(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  let j = 0;
  let edits = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    if (++edits > 1) return false;
    if (a.length > b.length) i++;
    else if (b.length > a.length) j++;
    else {
      i++;
      j++;
    }
  }
  return edits + (a.length - i) + (b.length - j) <= 1;
}
