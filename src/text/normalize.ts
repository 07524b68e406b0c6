/**
 * Search normalization, applied alike to what is indexed and to what is searched. Pure.
 *
 * Students and course material write the same thing several ways: full-width and half-width
 * characters (「ＨＷ４」, 「HW4」), Chinese and Arabic numerals (「第三講」, 「第 3 講」), Chinese
 * and English course words (「作業四」, 「HW4」; 「第 4 講」, 「Lecture 4」). Stored passage text is
 * never changed: only the search terms made from it are.
 */

const DIGITS: Record<string, number> = {
  零: 0,
  〇: 0,
  一: 1,
  二: 2,
  兩: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
};
const UNITS: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };

/** The value of a Chinese numeral up to 9,999 (「十二」 12, 「二十」 20, 「一百零五」 105), or undefined. */
export function chineseNumeralValue(numeral: string): number | undefined {
  let total = 0;
  let digit: number | undefined;
  for (const character of numeral) {
    if (character in DIGITS) {
      digit = DIGITS[character];
    } else if (character in UNITS) {
      total += (digit ?? 1) * UNITS[character]!;
      digit = undefined;
    } else {
      return undefined;
    }
  }
  return total + (digit ?? 0);
}

/**
 * Counters and ordinals after which a Chinese numeral is a number (「三個」, 「第五講」, 「四週」), not
 * a word part (「一樣」, 「統一」, 「十分」 stays 十分 only when 分 is not meant: both sides agree).
 */
const NUMBERED_AFTER = "講章週周節堂課次題頁層步倍年月日號個種位天張份輪秒億萬";
const NUMERAL_RUN = new RegExp(
  `(第\\s*|作業\\s*|習題\\s*)?([零〇一二兩三四五六七八九十百千]+)(\\s*[${NUMBERED_AFTER}])?`,
  "gu",
);

/** Chinese numerals as Arabic ones where they count or order something (「第三講」 → 「第3講」). */
function arabicNumerals(text: string): string {
  return text.replace(
    NUMERAL_RUN,
    (whole, before: string | undefined, numeral: string, after: string | undefined) => {
      if (!before && !after) return whole;
      // 「兩」 is a number only before a counter (「兩個」), never after 第; a lone 「一」 before a
      // counter is mostly the article 「a」 (「一個」, 「一點」, 「一次」), so only 「第一」 becomes 1.
      if (numeral === "兩" && !after) return whole;
      if (numeral === "一" && !before) return whole;
      const value = chineseNumeralValue(numeral);
      return value === undefined ? whole : `${before ?? ""}${value}${after ?? ""}`;
    },
  );
}

/** Full-width to half-width (NFKC), Chinese numerals that count or order to Arabic ones. */
export function normalizeForSearch(text: string): string {
  return arabicNumerals(text.normalize("NFKC"));
}

/**
 * Course numbering written any way, as one canonical term each: 「作業四」「HW 4」「homework 4」 → hw4,
 * 「第三講」「Lecture 3」 → lecture3, 「第 5 週」「week 5」 → week5. Expects normalizeForSearch's output.
 */
const COURSE_NUMBERS: ReadonlyArray<[RegExp, string]> = [
  [/(?:作業|習題|\bhw|\bhomework|\bassignment)[\s\-_#]*(\d{1,2})(?!\d)/giu, "hw"],
  [/(?:第\s*(\d{1,2})\s*(?:講|堂課)|\blecture[\s\-_#]*(\d{1,2})(?!\d))/giu, "lecture"],
  [/(?:第\s*(\d{1,2})\s*[週周]|\bweek[\s\-_#]*(\d{1,2})(?!\d))/giu, "week"],
];

export function courseNumberTerms(normalized: string): string[] {
  const terms: string[] = [];
  for (const [pattern, prefix] of COURSE_NUMBERS) {
    for (const match of normalized.matchAll(pattern)) {
      const number = match.slice(1).find((group) => group !== undefined);
      if (number !== undefined) terms.push(`${prefix}${Number(number)}`);
    }
  }
  return [...new Set(terms)];
}
