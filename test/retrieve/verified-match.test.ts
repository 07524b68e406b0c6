/** The verified-answer matcher (pure) and its calibration figures on the blind-written sets. */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { evaluateVerifiedMatching } from "../../src/retrieve/verified-evaluation.ts";
import {
  createVerifiedMatcher,
  DEFAULT_VERIFIED_THRESHOLDS,
  topicTerms,
} from "../../src/retrieve/verified-match.ts";

const read = <T>(name: string): T[] =>
  readFileSync(`test/fixtures/verified/${name}`, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T);

const ANSWERS = [
  { id: "deadline-hw2", question: "HW2 的截止時間是什麼時候？", answer: "HW2 的截止時間是 10/22 23:59。" },
  { id: "deadline-hw3", question: "HW3 的截止時間是什麼時候？", answer: "HW3 的截止時間是 11/5 23:59。" },
  {
    id: "lora",
    question: "什麼是 LoRA？",
    answer: "LoRA（Low-Rank Adaptation）凍結原本權重，只訓練低秩矩陣。",
  },
];

describe("createVerifiedMatcher", () => {
  const matcher = createVerifiedMatcher(ANSWERS, DEFAULT_VERIFIED_THRESHOLDS);

  test("a paraphrase in student voice is served its answer", () => {
    expect(matcher.match("救命 hw2 到底幾號截止")).toMatchObject({ id: "deadline-hw2", decision: "serve" });
    expect(matcher.match("lora 到底是啥")).toMatchObject({ id: "lora", decision: "serve" });
  });

  test("course numbers must agree: HW4 never gets HW2's deadline", () => {
    const match = matcher.match("HW4 deadline 幾號");
    expect(match?.decision === "serve" && match.id.startsWith("deadline")).toBe(false);
  });

  test("an unrelated question is served nothing", () => {
    expect(matcher.match("推薦台北好吃的牛肉麵")).toBeUndefined();
    expect(matcher.match("BM25 是什麼")?.decision).not.toBe("serve");
  });

  test("embeddings can serve what the words alone do not", () => {
    const withVectors = createVerifiedMatcher(
      ANSWERS.map((answer, index) => ({ ...answer, vector: [index === 2 ? 1 : 0, index === 2 ? 0 : 1] })),
      DEFAULT_VERIFIED_THRESHOLDS,
    );
    expect(withVectors.match("省記憶體的微調方法", [1, 0])).toMatchObject({ id: "lora", decision: "serve" });
    expect(withVectors.match("省記憶體的微調方法", [0.5, 0.8])?.id).not.toBe("lora");
  });

  test("topic terms drop voice filler and join synonyms", () => {
    expect([...topicTerms("錄影去哪裡看啊")]).toEqual(expect.arrayContaining(["〔錄影〕"]));
    expect(topicTerms("影片在哪")).toEqual(topicTerms("recording 在哪"));
    expect([...topicTerms("top-p 是啥")]).toContain("topp");
  });
});

test("calibration half: the figures the README reports (thresholds were tuned on this half)", () => {
  const answers = read<{ id: string; question: string; answer: string }>("verified-answers.jsonl");
  const report = evaluateVerifiedMatching(
    answers,
    read("paraphrases-calibration.jsonl"),
    read("others-calibration.jsonl"),
    DEFAULT_VERIFIED_THRESHOLDS,
  );
  expect(report.served).toBeGreaterThanOrEqual(65);
  expect(report.othersServed).toBeLessThanOrEqual(1);
  // Most paraphrases that are not served still reach the model with their verified answer.
  expect(report.nearOwn).toBeGreaterThan(0);
  expect(report.served + report.nearOwn + report.servedWrong).toBeLessThanOrEqual(report.paraphrases);
});
