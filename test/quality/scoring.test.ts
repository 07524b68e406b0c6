/** Answer scoring on crafted answers: each score moves exactly when the answer gets it wrong. */
import { describe, expect, it } from "vitest";
import { parseGoldFile } from "../../src/quality/gold.ts";
import { normalizeFactText } from "../../src/quality/normalize-fact.ts";
import {
  checkCitations,
  factRecall,
  isDeclined,
  scoreAnswer,
  sourcesHit,
  summarizeScores,
} from "../../src/quality/scoring.ts";

const passages = [
  {
    documentPath: "faq.md",
    text: "每晚一天扣該次作業分數的 10%，最多可以遲交 5 天，超過 5 天就不收，該次作業 0 分。",
  },
  {
    documentPath: "lectures/lecture-05-sampling.md",
    text: "Top-p 取樣把 token 依機率由高到低排序，累加到總和第一次達到 p 為止，只從這些候選中抽樣。",
  },
];

describe("fact recall", () => {
  it("counts facts stated after width, case and numeral normalization", () => {
    expect(normalizeFactText("ＨＷ４ 三到四人")).toBe("hw43到4人");
    const answer = "期末專題三到四人一組，ＨＷ４ 要在 11/26（四）前交。";
    expect(factRecall(["3 到 4 人", "hw4", "11/26(四)"], answer)).toEqual({ recall: 1, missing: [] });
  });

  it("names a missing fact", () => {
    const result = factRecall(["扣 10%", "最多遲交 5 天"], "每晚一天扣 10%。");
    expect(result.recall).toBe(0.5);
    expect(result.missing).toEqual(["最多遲交 5 天"]);
  });

  it("does not apply without facts", () => {
    expect(factRecall(undefined, "x").recall).toBeNull();
  });
});

describe("sources hit", () => {
  it("matches a document by its path or its ending", () => {
    expect(sourcesHit(["faq.md"], passages)).toBe(true);
    expect(sourcesHit(["lecture-05-sampling.md"], passages)).toBe(true);
    expect(sourcesHit(["syllabus.md"], passages)).toBe(false);
    expect(sourcesHit(undefined, passages)).toBeNull();
  });
});

describe("citations", () => {
  it("accepts a cited sentence its passage supports", () => {
    const check = checkCitations("遲交每晚一天扣該次作業分數的 10% [1]。", passages);
    expect(check).toEqual({ cited: [1], invalidNumbers: [], unsupported: [], score: 1 });
  });

  it("flags a citation number that names no passage", () => {
    const check = checkCitations("遲交每晚一天扣作業分數的 10% [3]。", passages);
    expect(check.invalidNumbers).toEqual([3]);
    expect(check.score).toBe(0);
  });

  it("flags a cited sentence the passage does not support", () => {
    const check = checkCitations("期末考在十二月舉行，考試範圍是全部講義 [2]。遲交扣 10% [1]。", passages);
    expect(check.unsupported).toEqual(["期末考在十二月舉行，考試範圍是全部講義 [2]。"]);
    expect(check.score).toBe(0.5);
  });

  it("reads [1, 2] and full-width brackets", () => {
    const check = checkCitations("Top-p 依機率排序累加到 p，遲交扣分 ［１，２］。", passages);
    expect(check.cited).toEqual([1, 2]);
  });

  it("is not applicable without citations", () => {
    expect(checkCitations("沒有引用的回答。", passages).score).toBeNull();
  });
});

describe("refusals", () => {
  it("counts fixed refusals and a model saying the material does not cover it", () => {
    expect(isDeclined({ mode: "refusal", text: "這個問題超出範圍" })).toBe(true);
    expect(isDeclined({ mode: "not-covered", text: "" })).toBe(true);
    expect(isDeclined({ mode: "answer", text: "課程資料中沒有提到期中考的地點。" })).toBe(true);
    expect(isDeclined({ mode: "answer", text: "每晚一天扣 10% [1]。" })).toBe(false);
    expect(isDeclined({ mode: "crisis", text: "安心專線 1925" })).toBe(false);
  });

  it("scores a wrong refusal both ways", () => {
    const answered = { text: "每晚一天扣 10% [1]。", mode: "answer", passages };
    const refused = { text: "抱歉，我在課程資料中沒有找到", mode: "not-covered", passages: [] };
    expect(scoreAnswer({ question: "q", refuse: true }, answered).refusalCorrect).toBe(false);
    expect(scoreAnswer({ question: "q" }, refused).refusalCorrect).toBe(false);
    expect(scoreAnswer({ question: "q", refuse: true }, refused).refusalCorrect).toBe(true);
    expect(scoreAnswer({ question: "q" }, answered).refusalCorrect).toBe(true);
  });
});

describe("summary", () => {
  it("averages each score over the questions it applies to", () => {
    const good = scoreAnswer(
      { question: "遲交", facts: ["10%"], sources: ["faq.md"] },
      { text: "每晚一天扣該次作業分數的 10% [1]。", mode: "answer", passages },
    );
    const bad = scoreAnswer(
      { question: "晚餐", refuse: true },
      { text: "吃拉麵。", mode: "answer", passages: [] },
    );
    expect(summarizeScores([{ scores: good }, { scores: bad }])).toEqual({
      questions: 2,
      sourcesHit: 1,
      factRecall: 1,
      citationValidity: 1,
      refusalCorrectness: 0.5,
      faithfulness: null,
      answerRelevance: null,
    });
  });
});

describe("gold files", () => {
  it("reads questions, facts, sources and refusals", () => {
    const text =
      '{"question":"HW2 截止？","facts":["10/22"],"sources":["syllabus.md"]}\n\n{"question":"晚餐吃什麼","refuse":true}\n';
    expect(parseGoldFile("g.jsonl", text)).toEqual([
      { question: "HW2 截止？", facts: ["10/22"], sources: ["syllabus.md"] },
      { question: "晚餐吃什麼", refuse: true },
    ]);
  });

  it("names the broken line and what is wrong", () => {
    expect(() => parseGoldFile("g.jsonl", '{"question":"ok"}\n{"question": "x", facts: 1}')).toThrow(
      /g\.jsonl:2: not valid JSON/,
    );
    expect(() => parseGoldFile("g.jsonl", '{"question":"ok"}\n{"question":"x","facts":"10/22"}')).toThrow(
      /g\.jsonl:2: "facts" must be a list/,
    );
    expect(() => parseGoldFile("g.jsonl", '{"questoin":"x"}')).toThrow(/g\.jsonl:1: unknown field questoin/);
    expect(() => parseGoldFile("g.jsonl", "")).toThrow(/has no questions/);
  });
});
