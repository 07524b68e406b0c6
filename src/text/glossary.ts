/**
 * Course vocabulary: groups of terms that mean the same thing (「檢索增強生成」, "RAG"; 「大型語言模型」,
 * "LLM"). A question that uses one term of a group is also searched with the others. Pure.
 *
 * Groups come from two places: mined from the corpus itself, where the material introduces a term
 * with its translation or abbreviation (「檢索增強生成（RAG）」, 「chat template（對話模板）」,
 * 「HW4｜作業四」), and from an optional staff-edited file (GLOSSARY_FILE, see parseGlossary).
 */
import { parse as parseYaml } from "yaml";
import { AppError, errorMessage } from "../errors.ts";
import { normalizeForSearch } from "./normalize.ts";
import { CHINESE_PARTICLES, ENGLISH_STOP_WORDS } from "./terms.ts";

export interface Glossary {
  /** Each group's terms, normalized (normalizeForSearch, lowercase). */
  groups: ReadonlyArray<readonly string[]>;
}

export const EMPTY_GLOSSARY: Glossary = { groups: [] };

const HAN = "\\p{Script=Han}";
const LATIN_TERM = "[A-Za-z][A-Za-z0-9.+\\-]*(?: [A-Za-z][A-Za-z0-9.+\\-]*){0,3}";
/** 「檢索增強生成(RAG)」: a Chinese term followed by its English name or abbreviation in brackets. */
const CHINESE_THEN_LATIN = new RegExp(`([${HAN}]{2,})\\s*\\(\\s*(${LATIN_TERM})\\s*\\)`, "gu");
/** 「chat template(對話模板)」: an English term followed by its Chinese name in brackets. */
const LATIN_THEN_CHINESE = new RegExp(`(${LATIN_TERM})\\s*\\(\\s*([${HAN}]{2,8})\\s*\\)`, "gu");
/** 「HW4｜作業四」: two names of one thing either side of a full-width bar (checked before NFKC). */
const BAR_PAIR = new RegExp(
  `([A-Za-z0-9][A-Za-z0-9 .+\\-]{0,30}|[${HAN}]{2,8})\\s*｜\\s*([A-Za-z0-9][A-Za-z0-9 .+\\-]{0,30}|[${HAN}]{2,8})`,
  "gu",
);

/** Words that end a Chinese run's lead-in: the term is what follows 「叫做」, 「稱為」, 「是」, 「的」… */
const LEAD_INS = /叫做|稱為|稱作|也就是|就是|所謂|即/gu;
/** Characters that start a spoken run's filler rather than a term (「說擴散模型」, 「個機器學習」). */
const FILLER_STARTS = new Set([..."說個種們那這些於但讓如把被做想像用叫"]);
/** Spoken filler a term does not start with (「所以類神經網路」 is 類神經網路). */
const FILLER_WORDS = new Set(
  "所以 然後 就是 其實 比如 比如說 因為 如果 這個 那個 我們 你們 大家 覺得 可以 直接 其中".split(" "),
);
const MAX_CHINESE_TERM = 8;
const segmenter = new Intl.Segmenter("zh-Hant", { granularity: "word" });

/**
 * The Chinese term right before a bracket: the run's tail after its last particle or lead-in, cut at
 * word boundaries to at most MAX_CHINESE_TERM characters. Transcripts have no punctuation, so the
 * tail may start with filler (「覺得說深度學習」): the longest word-boundary tail that the corpus
 * uses at least twice wins (「深度學習」), and a tail seen once is no term at all.
 */
function chineseTermBefore(run: string, usedTwice: (term: string) => boolean): string | undefined {
  const pieces = run.replace(LEAD_INS, " ").split(/\s+/);
  const characters = [...(pieces.at(-1) ?? "")];
  let start = 0;
  for (let index = characters.length - 1; index >= 0; index--) {
    if (CHINESE_PARTICLES.has(characters[index]!)) {
      start = index + 1;
      break;
    }
  }
  const words = [...segmenter.segment(characters.slice(start).join(""))].map((segment) => segment.segment);
  while (words.length > 1 && (FILLER_STARTS.has(words[0]!) || FILLER_WORDS.has(words[0]!))) words.shift();
  const tail = words.join("");
  // Written text: the bracket follows the whole term (「這叫做自監督學習（self-supervised learning）」).
  if ([...tail].length <= MAX_CHINESE_TERM) return [...tail].length >= 2 ? tail : undefined;
  // A transcript's run without punctuation: the longest tail the corpus uses elsewhere too.
  let best: string | undefined;
  let candidate = "";
  for (let index = words.length - 1; index >= 0; index--) {
    candidate = words[index]! + candidate;
    const length = [...candidate].length;
    if (length > MAX_CHINESE_TERM) break;
    if (length >= 3 && !FILLER_STARTS.has(candidate[0]!) && usedTwice(candidate)) best = candidate;
  }
  return best;
}

/** An English term with leading stop words dropped (「use the softmax」 → softmax). */
function latinTerm(text: string): string | undefined {
  const words = text.trim().toLowerCase().split(/\s+/);
  while (words.length > 0 && ENGLISH_STOP_WORDS.has(words[0]!)) words.shift();
  const term = words.join(" ");
  return /[a-z]/.test(term) && term.length >= 2 ? term : undefined;
}

/** Enough text to tell a term the corpus uses from a one-off (keeps mining fast on huge corpora). */
const COUNTED_CHARS = 2_000_000;

/** A term set off by a bar (「HW4｜作業四」): the whole of it, normalized. */
function delimitedTerm(text: string): string | undefined {
  const term = normalizeForSearch(text).trim().toLowerCase();
  return term.length >= 2 ? term : undefined;
}

/** A date as written in a schedule (9/14, 11/2), not a fraction inside a longer number. */
const SCHEDULE_DATE = /(?<![\d/.])(1[0-2]|0?[1-9])\/([12]\d|3[01]|0?[1-9])(?![\d/])/gu;
const LECTURE_NUMBER = /第\s*(\d{1,2})\s*講/gu;

/**
 * A schedule table's rows (「| 9 | 11/2 | 檢索增強生成（RAG） | 第 6 講；HW4 公布 |」): the row's one date
 * and the one lecture it names, so 「11/2 上課講的」 also searches 「第 6 講」. Rows naming several
 * dates or lectures are skipped (which one would be meant is unclear).
 */
function scheduleRows(raw: string): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  for (const line of raw.split("\n")) {
    if ((line.match(/\|/g) ?? []).length < 2) continue;
    const normalized = normalizeForSearch(line);
    const dates = [
      ...new Set([...normalized.matchAll(SCHEDULE_DATE)].map((m) => `${Number(m[1])}/${Number(m[2])}`)),
    ];
    const lectures = [...new Set([...normalized.matchAll(LECTURE_NUMBER)].map((m) => Number(m[1])))];
    if (dates.length === 1 && lectures.length === 1) rows.push([dates[0]!, `第${lectures[0]}講`]);
  }
  return rows;
}

/** Pairs of synonyms found in the corpus texts (see the patterns above), one group per pair. */
export function mineGlossary(texts: Iterable<string>): Glossary {
  const all = [...texts];
  let counted = "";
  for (const text of all) {
    if (counted.length >= COUNTED_CHARS) break;
    counted += `\n${normalizeForSearch(text).toLowerCase().replace(/\s+/g, "")}`;
  }
  const usedTwice = (term: string) => {
    const first = counted.indexOf(term);
    return first >= 0 && counted.indexOf(term, first + 1) >= 0;
  };
  const pairs = new Map<string, [string, string]>();
  const add = (a: string | undefined, b: string | undefined) => {
    if (a && b && a !== b) pairs.set([a, b].sort().join("\0"), [a, b]);
  };
  for (const raw of all) {
    for (const [date, lecture] of scheduleRows(raw)) add(date, lecture);
    for (const match of raw.matchAll(BAR_PAIR)) add(delimitedTerm(match[1]!), delimitedTerm(match[2]!));
    const text = normalizeForSearch(raw);
    for (const match of text.matchAll(CHINESE_THEN_LATIN))
      add(chineseTermBefore(match[1]!.toLowerCase(), usedTwice), latinTerm(match[2]!));
    // The bracket delimits the Chinese term whole (「對話模板」 starts with 對 and is still a term).
    for (const match of text.matchAll(LATIN_THEN_CHINESE)) add(latinTerm(match[1]!), match[2]!);
  }
  // Pairs stay pairs: chaining them (「參數」 = parameter, 「參數」 = ...) would join unrelated terms.
  return { groups: [...pairs.values()] };
}

/** Joins pairs that share a term into one group (union-find). */
function groupPairs(pairs: ReadonlyArray<readonly [string, string]>): Glossary {
  const parent = new Map<string, string>();
  const find = (term: string): string => {
    let root = term;
    while (parent.get(root) !== root) root = parent.get(root) ?? root;
    parent.set(term, root);
    return root;
  };
  for (const [a, b] of pairs) {
    if (!parent.has(a)) parent.set(a, a);
    if (!parent.has(b)) parent.set(b, b);
    parent.set(find(a), find(b));
  }
  const groups = new Map<string, string[]>();
  for (const term of parent.keys()) {
    const root = find(term);
    groups.set(root, [...(groups.get(root) ?? []), term]);
  }
  return { groups: [...groups.values()].filter((group) => group.length > 1) };
}

/** Glossaries together; groups that share a term become one. */
export function mergeGlossaries(...glossaries: Glossary[]): Glossary {
  const pairs: Array<[string, string]> = [];
  for (const glossary of glossaries)
    for (const group of glossary.groups) for (const term of group.slice(1)) pairs.push([group[0]!, term]);
  return groupPairs(pairs);
}

/**
 * The staff glossary file (YAML), either a list of groups or a map from a term to its synonyms:
 *
 * ```yaml
 * - [HW4, 作業四, 第四次作業]
 * - [LLM, 大型語言模型, large language model]
 * RAG: [檢索增強生成, retrieval-augmented generation]
 * ```
 *
 * (The two shapes cannot be mixed in one file.) Terms are matched after the same normalization as
 * search, so 「作業四」 also matches 「作業 4」 and 「ＨＷ４」.
 */
export function parseGlossary(text: string, source = "glossary"): Glossary {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new AppError(`${source} is not valid YAML: ${errorMessage(error)}`, "config_invalid");
  }
  if (data === null || data === undefined) return EMPTY_GLOSSARY;
  const rawGroups: unknown[][] = Array.isArray(data)
    ? data.map((entry) => (Array.isArray(entry) ? entry : [entry]))
    : typeof data === "object"
      ? Object.entries(data as Record<string, unknown>).map(([key, value]) => [
          key,
          ...(Array.isArray(value) ? value : [value]),
        ])
      : [];
  if (rawGroups.length === 0 && !Array.isArray(data))
    throw new AppError(
      `${source}: expected a list of term groups, e.g. "- [HW4, 作業四]", or a map "LLM: [大型語言模型]"`,
      "config_invalid",
    );
  const pairs: Array<[string, string]> = [];
  rawGroups.forEach((group, index) => {
    const terms = group
      .map((term) =>
        normalizeForSearch(String(term ?? ""))
          .trim()
          .toLowerCase(),
      )
      .filter(Boolean);
    if (terms.length < 2)
      throw new AppError(
        `${source}: group ${index + 1} (${group.join(", ")}) needs at least two terms that mean the same thing`,
        "config_invalid",
      );
    for (const term of terms.slice(1)) pairs.push([terms[0]!, term]);
  });
  return groupPairs(pairs);
}

function mentions(normalizedQuestion: string, term: string): boolean {
  if (/^[\p{Script=Latin}\p{N} .+/-]+$/u.test(term)) {
    const escaped = term.replace(/[.+]/g, "\\$&");
    return new RegExp(`(?<![a-z0-9])${escaped}(?![a-z0-9])`, "u").test(normalizedQuestion);
  }
  return normalizedQuestion.includes(term);
}

/**
 * The synonyms a question does not use yet of every glossary term it does use, space-separated
 * (「作業四什麼時候截止」 with the group [hw4, 作業四] → "hw4"). "" when none.
 */
export function glossaryExpansion(question: string, glossary: Glossary): string {
  if (glossary.groups.length === 0) return "";
  const normalized = normalizeForSearch(question).toLowerCase();
  const added = new Set<string>();
  for (const group of glossary.groups) {
    if (!group.some((term) => mentions(normalized, term))) continue;
    for (const term of group) if (!mentions(normalized, term)) added.add(term);
  }
  return [...added].join(" ");
}
