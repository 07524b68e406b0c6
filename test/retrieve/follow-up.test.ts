import { describe, expect, it } from "vitest";
import { searchTextFor } from "../../src/retrieve/index.ts";

const history = [
  { role: "user" as const, content: "颱風停課的補課是哪一天？" },
  { role: "assistant" as const, content: "補課在 12 月 19 日 [1]。" },
];

describe("searchTextFor", () => {
  it("searches a follow-up together with the question it follows", () => {
    for (const followUp of [
      "那地點在哪？",
      "那 HW4 呢",
      "為什麼？",
      "what about HW4?",
      "它幾點開始",
      "還有別的嗎",
    ]) {
      expect(searchTextFor(followUp, history), followUp).toBe(`颱風停課的補課是哪一天？\n${followUp}`);
    }
  });

  it("searches a question that stands on its own alone", () => {
    const question = "LoRA 微調跟完整微調差在哪裡？";
    expect(searchTextFor(question, history)).toBe(question);
    expect(searchTextFor("為什麼語言模型會一本正經地胡說八道？", history)).toBe(
      "為什麼語言模型會一本正經地胡說八道？",
    );
  });

  it("has nothing to lean on at the start of a conversation", () => {
    expect(searchTextFor("那地點在哪？", [])).toBe("那地點在哪？");
  });
});
