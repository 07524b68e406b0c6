import { expect, test } from "vitest";
import {
  characterBigrams,
  groupSimilarQuestions,
  jaccardSimilarity,
} from "../../src/admin/knowledge-gaps.ts";

test("character bigrams ignore punctuation, spaces and case", () => {
  expect([...characterBigrams("作業 截止？")]).toEqual(["作業", "業截", "截止"]);
  expect([...characterBigrams("期中考的範圍是什麼")]).toEqual(["期中", "中考", "考範", "範圍"]);
  expect([...characterBigrams("AB c")]).toEqual(["ab", "bc"]);
  expect([...characterBigrams("？")]).toEqual([]);
  expect([...characterBigrams("好")]).toEqual(["好"]);
});

test("Jaccard similarity", () => {
  expect(jaccardSimilarity(new Set(["a", "b"]), new Set(["a", "b"]))).toBe(1);
  expect(jaccardSimilarity(new Set(["a", "b"]), new Set(["b", "c"]))).toBeCloseTo(1 / 3);
  expect(jaccardSimilarity(new Set(), new Set())).toBe(0);
  expect(jaccardSimilarity(new Set(["a"]), new Set())).toBe(0);
});

test("similar questions are grouped, largest group first, in input order inside a group", () => {
  const questions = [
    "期中考考什麼範圍？",
    "作業三的截止日期是哪天",
    "期中考的範圍是什麼",
    "作業三截止日期？",
    "可以用 ChatGPT 寫作業嗎",
    "期中考範圍有哪些",
  ];
  const groups = groupSimilarQuestions(questions, (question) => question);
  expect(groups.map((group) => group.items)).toEqual([
    ["期中考考什麼範圍？", "期中考的範圍是什麼", "期中考範圍有哪些"],
    ["作業三的截止日期是哪天", "作業三截止日期？"],
    ["可以用 ChatGPT 寫作業嗎"],
  ]);
  expect(groups[0]!.representative).toBe("期中考考什麼範圍？");
});

test("a higher threshold splits more", () => {
  const questions = ["期中考考什麼範圍？", "期中考範圍有哪些"];
  expect(groupSimilarQuestions(questions, (q) => q, { threshold: 0.9 })).toHaveLength(2);
  expect(groupSimilarQuestions([], (q: string) => q)).toEqual([]);
});
