/**
 * Pure text analysis shared by ingestion (what gets indexed) and retrieval (what gets searched).
 *
 * LanceDB's whitespace tokenizer scores zero on Chinese, which has no spaces. We write our own
 * search terms instead: CJK runs become overlapping character bigrams plus single characters,
 * Latin words become lowercase words, so BM25 works for both and for mixed text ("LLM 的 token").
 */

import { courseNumberTerms, normalizeForSearch } from "./normalize.ts";

const CJK = "\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}";
// Latin words exclude CJK characters: \p{L} alone would glue 「LLaMA有幾個Token」 into one term.
const TOKEN_PATTERN = new RegExp(`[${CJK}]+|(?:(?![${CJK}])[\\p{L}\\p{N}])+`, "gu");
const CJK_RUN = new RegExp(`^[${CJK}]+$`, "u");

/** Latin words too common to help ranking. */
export const ENGLISH_STOP_WORDS: ReadonlySet<string> = new Set(
  "a an and are as at be but by can do does for from how i if in is it me my of on or so that the this to was what when where which who why will with you your".split(
    " ",
  ),
);

/** Characters that carry grammar rather than topic; they split CJK runs in questions. */
export const CHINESE_PARTICLES: ReadonlySet<string> = new Set([
  ..."的了嗎呢吧啊呀喔哦嘛啦欸耶和與及或是在有就都也還再很跟要會去用我你他它把被對從",
]);

/**
 * Question scaffolding students write around the topic. Longest first so 「是什麼意思」 wins over 「什麼」.
 * Removing them keeps 「為什麼」「老師說的」 from outweighing the content words.
 */
const QUESTION_PHRASES = [
  "可不可以",
  "是什麼意思",
  "什麼意思",
  "有什麼不同",
  "有什麼差別",
  "有什麼關係",
  "差在哪裡",
  "差在哪",
  "差別是什麼",
  "的差別",
  "是什麼",
  "為什麼",
  "為何",
  "什麼是",
  "什麼",
  "怎麼樣",
  "怎麼會",
  "怎麼",
  "如何",
  "請問",
  "老師說的",
  "老師說",
  "老師講的",
  "老師提到",
  "上課提到",
  "上課講的",
  "課堂上",
  "有沒有",
  "是不是",
  "能不能",
  "會不會",
  "要不要",
  "可以",
  "哪些",
  "哪裡",
  "哪個",
  "多少",
  "一下",
  "解釋",
  "告訴我",
  "我想問",
  "想知道",
  "知道",
  "意思",
  "所謂",
  "會怎樣",
  "怎樣",
  "的話",
  "幾號",
  "幾點",
  "之前",
  "之後",
  "好幾",
  "分別",
  "總共",
  "大家",
  "常說",
  "那個",
  "這個",
  "我們",
  "你們",
  "一下",
  "到底",
  "應該",
  "需要",
  "差在",
  "不一樣",
  "一樣",
  "不同",
  "嗎",
];

function normalize(text: string): string {
  return normalizeForSearch(text).toLowerCase();
}

export function lightStem(word: string): string {
  if (word.length > 4 && word.endsWith("ies")) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith("s") && !word.endsWith("ss")) return word.slice(0, -1);
  return word;
}

function cjkTerms(run: string, out: string[]): void {
  const characters = [...run];
  for (let index = 0; index < characters.length; index++) {
    out.push(characters[index]!);
    if (index + 1 < characters.length) out.push(characters[index]! + characters[index + 1]!);
  }
}

const CAMEL_CASE_PARTS = /\p{Lu}+(?!\p{Ll})|\p{Lu}?\p{Ll}+|\p{N}+/gu;

/**
 * The parts of a camel-case or number-and-letter word (「TopK」 → top, k; 「70B」 → 70, b), or none.
 * Indexed and searched alike, so 「70B」 in a question meets 「70 B」 in a transcript.
 */
export function wordParts(token: string): string[] {
  const parts = token.match(CAMEL_CASE_PARTS) ?? [];
  return parts.length > 1 ? parts.map((part) => lightStem(part.toLowerCase())) : [];
}

/**
 * Terms of a text. Both sides add the parts of camel-case words (see wordParts) and adjacent Latin
 * words joined (「top k」 → topk, 「user prompt」 → userprompt): 「TopK」 and 「top k」 meet, and a
 * passage that says the question's English phrase outranks one that has its words apart, as CJK
 * bigrams already do for Chinese. (The word view keeps English words single: joined there, it
 * ranked worse.)
 */
function termsOf(text: string, mode: "index" | "query"): string[] {
  const terms: string[] = [];
  let previous: { word: string; end: number } | undefined;
  const normalized = normalizeForSearch(text);
  for (const match of normalized.matchAll(TOKEN_PATTERN)) {
    const token = match[0];
    if (CJK_RUN.test(token)) {
      cjkTerms(token, terms);
      previous = undefined;
      continue;
    }
    const word = token.toLowerCase();
    if (mode === "query" && ENGLISH_STOP_WORDS.has(word)) {
      previous = undefined;
      continue;
    }
    terms.push(lightStem(word), ...wordParts(token));
    if (previous && /^[\s\-_]*$/.test(normalized.slice(previous.end, match.index)))
      terms.push(lightStem(previous.word + word));
    previous = { word, end: match.index + token.length };
  }
  terms.push(...courseNumberTerms(normalized));
  return terms;
}

/** The space-separated terms stored beside a chunk's text for the full-text index. */
export function indexTerms(text: string): string {
  return termsOf(text, "index").join(" ");
}

/** Words that contain a particle character but are content words themselves (「對話」 is not 對 + 話). */
const WORDS_WITH_PARTICLES = [
  ..."對話 對齊 對應 對比 使用 應用 作用 費用 重要 要求 摘要 存在 會議 學會 機會 社會 去除 被動 還原".split(
    " ",
  ),
];

/** Removes question scaffolding and particles, leaving the topic words of a student's question. */
export function stripQuestionWords(question: string): string {
  let text = normalize(question);
  for (const phrase of QUESTION_PHRASES) text = text.split(phrase).join(" ");
  let result = "";
  for (let offset = 0; offset < text.length; ) {
    const protectedWord = WORDS_WITH_PARTICLES.find((word) => text.startsWith(word, offset));
    const piece = protectedWord ?? String.fromCodePoint(text.codePointAt(offset)!);
    result += protectedWord || !CHINESE_PARTICLES.has(piece) ? piece : " ";
    offset += piece.length;
  }
  return result;
}

/**
 * Students ask about deadlines, grades and places in words the syllabus does not use
 * (「什麼時候要交」 vs 「截止時間」). These add the syllabus's words to such questions.
 */
const QUERY_EXPANSIONS: ReadonlyArray<[RegExp, string]> = [
  [
    /(什麼時候|何時|幾號|幾點|哪天|哪一天|多久).{0,6}(交|繳)|(交|繳).{0,4}(什麼時候|何時|幾號|哪天)|deadline|due/i,
    "截止 繳交",
  ],
  [/(佔|占)(多少|幾)|幾分|怎麼(算|打)分|配分|比重/, "成績 評分 配分"],
  [/(在哪|哪裡|哪間|哪個).{0,4}(上課|教室)|上課.{0,3}(在哪|地點)/, "上課地點 教室"],
  [/遲交|晚交|補交/, "遲交 扣分"],
  [/(加選|退選|加簽|停修)/, "加退選"],
];

/**
 * Search terms for a question. Falls back to the unstripped question when stripping leaves
 * nothing (「是什麼？」 alone still searches something).
 */
export function queryTerms(question: string): string {
  const stripped = termsOf(`${stripQuestionWords(question)} ${queryExpansions(question)}`, "query");
  const terms = stripped.length > 0 ? stripped : termsOf(question, "index");
  return [...new Set(terms)].join(" ");
}

/** The syllabus's words for what a question asks about (see QUERY_EXPANSIONS), space-separated. */
export function queryExpansions(question: string): string {
  return QUERY_EXPANSIONS.filter(([pattern]) => pattern.test(question))
    .map(([, words]) => words)
    .join(" ");
}
