/** A question's misspelt or run-together English words mapped onto the corpus's own (pure). */
import { describe, expect, it } from "vitest";
import { buildVocabulary, editDistance, spellingExpansion } from "../../src/text/spelling.ts";
import { queryTerms } from "../../src/text/terms.ts";
import { indexWords, queryWords } from "../../src/text/words.ts";

const vocabulary = buildVocabulary([
  "Transformer 的 temperature 越高，機率分布越平。",
  "Transformer 這個名字很酷。Hugging Face 像模型的臉書。",
  "top k 與 top p 都是取樣方法，ChatGPT 和 Gemini 都用它們。",
]);

describe("edit distance", () => {
  it("counts insertions, deletions, substitutions and adjacent swaps as one edit each", () => {
    expect(editDistance("temperture", "temperature", 2)).toBe(1);
    expect(editDistance("chatgtp", "chatgpt", 2)).toBe(1);
    expect(editDistance("gemni", "gemini", 2)).toBe(1);
    expect(editDistance("trasnfomer", "transformer", 2)).toBe(2);
    expect(editDistance("sampling", "sampling", 2)).toBe(0);
  });

  it("stops early past the limit", () => {
    expect(editDistance("attention", "temperature", 1)).toBe(2);
    expect(editDistance("ab", "abcdef", 2)).toBe(3);
  });
});

describe("spelling expansion", () => {
  it("adds the corpus's spelling of a misspelt course word, the most frequent when several are near", () => {
    expect(spellingExpansion("temperture 調比1大會怎樣", vocabulary)).toBe("temperature");
    expect(spellingExpansion("transfomer 為什麼叫這個名字", vocabulary)).toBe("transformer");
    expect(spellingExpansion("ChatGTP 跟 Gemni 差在哪", vocabulary)).toBe("chatgpt gemini");
  });

  it("splits a run-together word into two corpus words", () => {
    expect(spellingExpansion("huggingface 是什麼", vocabulary)).toBe("hugging face");
  });

  it("leaves known, short and unrelated words alone", () => {
    expect(spellingExpansion("transformer 的 temperature", vocabulary)).toBe("");
    // Four letters or fewer: too often another real word one edit away.
    expect(spellingExpansion("tok p 是什麼", vocabulary)).toBe("");
    expect(spellingExpansion("what about diffusion", vocabulary)).toBe("");
    expect(spellingExpansion("temperture", new Map())).toBe("");
  });
});

describe("number-and-letter words", () => {
  it("are searched by their parts too, so 「70B」 meets 「70 B」", () => {
    expect(queryTerms("70B 是什麼意思").split(" ")).toEqual(expect.arrayContaining(["70b", "70", "b"]));
    expect(queryWords("LLaMA3 有幾個參數").split(" ")).toEqual(
      expect.arrayContaining(["llama3", "llama", "3"]),
    );
    expect(indexWords("70 B 就是 700 億個參數").split(" ")).toEqual(expect.arrayContaining(["70", "b"]));
  });
});
