/** The context budget: far-below-best passages dropped, neighbours merged, a token cap. */
import { describe, expect, it } from "vitest";
import {
  approximateTokenCount,
  firstPassageCharsFor,
  fitPassagesToBudget,
  mergeAdjacentPassages,
} from "../../src/retrieve/context.ts";
import type { Passage } from "../../src/types.ts";

function passage(id: string, score: number, text: string, position = 0, documentPath = `${id}.md`): Passage {
  return {
    rank: 0,
    score,
    retrievers: [{ retriever: "fulltext", rank: 1, score }],
    chunk: {
      id,
      documentPath,
      title: id,
      location: `§${position}`,
      link: "",
      text,
      position,
      contentHash: "h",
    },
  };
}

/** A real count for unit level: one token per character (as a character-level tokenizer counts). */
const perCharacter = (text: string) => [...text].length;

describe("fitPassagesToBudget", () => {
  it("keeps passages in rank order up to the budget, skipping one that does not fit for a smaller one", () => {
    const passages = [
      passage("a", 0.03, "甲".repeat(40)),
      passage("b", 0.029, "乙".repeat(50)),
      passage("c", 0.028, "丙".repeat(10)),
    ];
    const fitted = fitPassagesToBudget(passages, { budgetTokens: 60, countTokens: perCharacter });
    expect(fitted.map((entry) => entry.chunk.id)).toEqual(["a", "c"]);
    expect(fitted.map((entry) => entry.rank)).toEqual([1, 2]);
    expect(fitted.reduce((sum, entry) => sum + perCharacter(entry.chunk.text), 0)).toBeLessThanOrEqual(60);
  });

  it("always keeps the best passage, even over budget", () => {
    const fitted = fitPassagesToBudget([passage("a", 0.03, "長".repeat(500))], {
      budgetTokens: 100,
      countTokens: perCharacter,
    });
    expect(fitted).toHaveLength(1);
  });

  it("drops passages whose fused score falls far below the best one", () => {
    const passages = [passage("a", 0.033, "甲"), passage("b", 0.016, "乙"), passage("c", 0.005, "丙")];
    const fitted = fitPassagesToBudget(passages, { budgetTokens: 0, countTokens: perCharacter });
    expect(fitted.map((entry) => entry.chunk.id)).toEqual(["a", "b"]);
  });

  it("uses the token counter it is given", () => {
    const calls: string[] = [];
    fitPassagesToBudget([passage("a", 1, "一"), passage("b", 1, "二")], {
      budgetTokens: 10,
      countTokens: (text) => {
        calls.push(text);
        return 1;
      },
    });
    expect(calls).toEqual(["一", "二"]);
  });
});

describe("firstPassageCharsFor", () => {
  it("keeps the configured first-passage cap without a budget", () => {
    expect(firstPassageCharsFor(1000, 500, 0)).toBe(1000);
  });

  it("caps the first passage at half a budget, never below the other passages' cap", () => {
    expect(firstPassageCharsFor(1000, 500, 1000)).toBe(500);
    expect(firstPassageCharsFor(1000, 500, 1400)).toBe(700);
    expect(firstPassageCharsFor(1000, 500, 4000)).toBe(1000);
    expect(firstPassageCharsFor(1000, 500, 600)).toBe(500);
    // 0 means "as the other passages".
    expect(firstPassageCharsFor(0, 500, 4000)).toBe(500);
  });
});

describe("mergeAdjacentPassages", () => {
  it("joins neighbouring chunks of one document and says their overlap once", () => {
    const overlap = "這是兩段之間重疊的句子內容。";
    const first = passage("p1", 0.02, `第一段的開頭。${overlap}`, 1, "notes.md");
    const second = passage("p2", 0.03, `${overlap}第二段的結尾。`, 2, "notes.md");
    const other = passage("x", 0.025, "別的文件。", 2, "other.md");
    const merged = mergeAdjacentPassages([second, other, first]);
    expect(merged).toHaveLength(2);
    expect(merged[0]!.chunk.text).toBe(`第一段的開頭。${overlap}第二段的結尾。`);
    expect(merged[0]!.chunk.location).toBe("§1");
    expect(merged[0]!.score).toBe(0.03);
    expect(merged[1]!.chunk.id).toBe("x");
  });

  it("leaves chunks that are not neighbours apart", () => {
    const merged = mergeAdjacentPassages([
      passage("a", 1, "甲", 1, "notes.md"),
      passage("b", 1, "乙", 3, "notes.md"),
    ]);
    expect(merged).toHaveLength(2);
  });
});

it("estimates tokens without a model: a CJK character each, four other characters each", () => {
  expect(approximateTokenCount("語言模型")).toBe(4);
  expect(approximateTokenCount("token")).toBe(2);
});
