/** Search normalization: widths, Chinese numerals that count or order, course numbering. */
import { describe, expect, it } from "vitest";
import { chineseNumeralValue, courseNumberTerms, normalizeForSearch } from "../../src/text/normalize.ts";
import { indexTerms, queryTerms } from "../../src/text/terms.ts";
import { indexWords, queryWords } from "../../src/text/words.ts";

describe("normalizeForSearch", () => {
  it("turns full-width characters into half-width ones", () => {
    expect(normalizeForSearch("ＨＷ４　１０／２２")).toBe("HW4 10/22");
  });

  it("writes Chinese numerals that count or order as Arabic ones, and leaves words alone", () => {
    expect(normalizeForSearch("第三講")).toBe("第3講");
    expect(normalizeForSearch("作業四什麼時候截止")).toBe("作業4什麼時候截止");
    expect(normalizeForSearch("三個數字、第十二週、一百零五頁")).toBe("3個數字、第12週、105頁");
    expect(normalizeForSearch("一樣的統一標準")).toBe("一樣的統一標準");
    // A lone 一 before a counter is the article: 「講一個笑話」 must not turn into a number.
    expect(normalizeForSearch("講一個笑話，第一講")).toBe("講一個笑話,第1講");
    expect(normalizeForSearch("兩者")).toBe("兩者");
  });

  it("reads Chinese numerals", () => {
    expect(chineseNumeralValue("十二")).toBe(12);
    expect(chineseNumeralValue("二十")).toBe(20);
    expect(chineseNumeralValue("一百零五")).toBe(105);
    expect(chineseNumeralValue("兩千")).toBe(2000);
    expect(chineseNumeralValue("三點")).toBeUndefined();
  });
});

describe("course numbering", () => {
  it("gives homework, lectures and weeks one term however they are written", () => {
    for (const text of ["作業四", "作業 4", "HW4", "ＨＷ４", "hw 4", "homework 4"])
      expect(courseNumberTerms(normalizeForSearch(text)), text).toEqual(["hw4"]);
    for (const text of ["第三講", "第 3 講", "Lecture 3", "lecture-03"])
      expect(courseNumberTerms(normalizeForSearch(text)), text).toEqual(["lecture3"]);
    expect(courseNumberTerms(normalizeForSearch("第五週 week 5"))).toEqual(["week5"]);
  });

  it("puts the same term in both lexical views of the question and of the passage", () => {
    expect(queryTerms("作業四什麼時候截止？").split(" ")).toContain("hw4");
    expect(queryWords("作業四什麼時候截止？").split(" ")).toContain("hw4");
    expect(indexTerms("| HW4 | 小型 RAG | 11/26 |").split(" ")).toContain("hw4");
    expect(indexWords("| HW4 | 小型 RAG | 11/26 |").split(" ")).toContain("hw4");
  });
});

describe("the word view", () => {
  it("segments Chinese into words and keeps English words apart from it", () => {
    const words = indexWords("LLaMA有幾個Token，大型語言模型").split(" ");
    expect(words).toEqual(expect.arrayContaining(["llama", "token", "大型", "語言", "模型"]));
  });

  it("leaves question scaffolding and particles out of a question's words", () => {
    const words = queryWords("老師說的 vocabulary 是什麼意思？").split(" ");
    expect(words).toContain("vocabulary");
    expect(words).not.toContain("什麼");
    expect(words).not.toContain("的");
  });
});
