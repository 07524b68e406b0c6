import { describe, expect, it } from "vitest";
import { indexTerms, queryTerms, stripQuestionWords } from "../../src/text/terms.ts";

describe("indexTerms", () => {
  it("turns Chinese into character bigrams and unigrams so BM25 has something to match", () => {
    expect(indexTerms("語言模型").split(" ")).toEqual(["語", "語言", "言", "言模", "模", "模型", "型"]);
  });

  it("keeps Latin words whole and lowercased, beside Chinese", () => {
    const terms = indexTerms("LLM 的 Tokens 很重要").split(" ");
    expect(terms).toContain("llm");
    expect(terms).toContain("token");
    expect(terms).toContain("重要");
  });

  it("separates Latin words glued to Chinese, as transcripts write them", () => {
    const terms = indexTerms("LLaMA有幾個Token 所以你TopK設1").split(" ");
    expect(terms).toEqual(expect.arrayContaining(["llama", "幾個", "token", "topk", "設", "1"]));
    expect(terms.some((term) => /[a-z]/.test(term) && /\p{Script=Han}/u.test(term))).toBe(false);
  });

  it("indexes camel-case words whole and in parts", () => {
    const terms = indexTerms("HuggingFace 的 TopK").split(" ");
    expect(terms).toEqual(expect.arrayContaining(["huggingface", "hugging", "face", "topk", "top", "k"]));
  });

  it("does not bridge punctuation or spaces between Chinese runs", () => {
    expect(indexTerms("生成，模型").split(" ")).not.toContain("成模");
  });
});

describe("queryTerms", () => {
  it("drops question scaffolding so content words decide the ranking", () => {
    const terms = queryTerms("老師說的 token 是什麼意思？").split(" ");
    expect(terms).toContain("token");
    expect(terms).not.toContain("什麼");
    expect(terms).not.toContain("老師");
  });

  it("joins adjacent Latin words so 「top k」 meets 「TopK」", () => {
    expect(queryTerms("top k 設成 1 會怎樣").split(" ")).toContain("topk");
  });

  it("indexes adjacent Latin words joined too, so an English phrase counts as one term on both sides", () => {
    const indexed = indexTerms("這種 Prompt 叫做 User Prompt，另一種是 system-prompt").split(" ");
    expect(indexed).toEqual(expect.arrayContaining(["userprompt", "systemprompt"]));
    // Chinese between two words breaks the phrase.
    expect(indexed).not.toContain("promptuser");
    expect(queryTerms("system prompt 跟 user prompt 差在哪").split(" ")).toEqual(
      expect.arrayContaining(["systemprompt", "userprompt"]),
    );
  });

  it("handles 為什麼 questions", () => {
    const terms = queryTerms("為什麼語言模型會胡說八道？").split(" ");
    expect(terms).toContain("胡說");
    expect(terms).not.toContain("為什");
  });

  it("falls back to the raw question when only scaffolding is left", () => {
    expect(queryTerms("是什麼？")).not.toBe("");
  });

  it("keeps content words that contain a particle character", () => {
    expect(queryTerms("對齊是什麼").split(" ")).toContain("對齊");
    expect(queryTerms("多輪對話的紀錄要怎麼處理").split(" ")).toContain("對話");
    expect(stripQuestionWords("使用 AI 工具")).toContain("使用");
  });

  it("strips particles into boundaries", () => {
    expect(stripQuestionWords("模型的參數")).toBe("模型 參數");
  });
});
