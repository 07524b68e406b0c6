import { describe, expect, test } from "vitest";
import { foldPrompt, splitSpecialTokens } from "../../src/admin/prompt-sections.ts";
import { buildUserTurn } from "../../src/prompt/index.ts";

const passagesBlock =
  '<passages>\n<passage id="1" title="課程大綱" location="評分">\n作業佔 40%\n</passage>\n</passages>';
const userTurn = buildUserTurn("作業佔多少分？", passagesBlock);
const chatml = [
  "<|im_start|>system\n你是助教。<|im_end|>\n",
  "<|im_start|>user\n上週的問題<|im_end|>\n",
  "<|im_start|>assistant\n上週的回答<|im_end|>\n",
  `<|im_start|>user\n${userTurn}<|im_end|>\n`,
  "<|im_start|>assistant\n",
].join("");

describe("foldPrompt", () => {
  test("splits a ChatML prompt into system, history, passages, question and generation", () => {
    const sections = foldPrompt(chatml);
    expect(sections.map((section) => section.kind)).toEqual([
      "system",
      "history",
      "passages",
      "question",
      "generation",
    ]);
    expect(sections[0]!.text).toBe("<|im_start|>system\n你是助教。<|im_end|>\n");
    expect(sections[1]!.messages).toBe(2);
    expect(sections[2]!.text).toContain("<passages>");
    expect(sections[2]!.text.endsWith("</passages>")).toBe(true);
    expect(sections[3]!.text).toContain("作業佔多少分？");
    expect(sections[3]!.text).not.toContain("<passage ");
    expect(sections[4]!.text).toBe("<|im_start|>assistant\n");
  });

  test("joining the sections gives back the exact prompt", () => {
    for (const prompt of [chatml, `<s>${chatml}`, "plain text prompt", "<|im_start|>user\nhi<|im_end|>\n"]) {
      expect(
        foldPrompt(prompt)
          .map((section) => section.text)
          .join(""),
      ).toBe(prompt);
    }
  });

  test("a first turn without history has no history section; a preamble (BOS) is kept", () => {
    const prompt = `<s><|im_start|>system\nS<|im_end|>\n<|im_start|>user\n${userTurn}<|im_end|>\n<|im_start|>assistant\n`;
    expect(foldPrompt(prompt).map((section) => section.kind)).toEqual([
      "preamble",
      "system",
      "passages",
      "question",
      "generation",
    ]);
  });

  test("understands Llama 3 headers", () => {
    const prompt =
      "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|>" +
      `<|start_header_id|>user<|end_header_id|>\n\n${userTurn}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n`;
    expect(foldPrompt(prompt).map((section) => section.kind)).toEqual([
      "preamble",
      "system",
      "passages",
      "question",
      "generation",
    ]);
  });

  test("falls back to one section without role markers, and none for an empty prompt", () => {
    expect(foldPrompt("just text")).toEqual([{ kind: "whole", text: "just text" }]);
    expect(foldPrompt("")).toEqual([]);
  });

  test("a final user turn without a passages block is all question", () => {
    const sections = foldPrompt("<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n");
    expect(sections.map((section) => section.kind)).toEqual(["question", "generation"]);
  });
});

test("splitSpecialTokens marks special tokens and keeps all text", () => {
  const pieces = splitSpecialTokens("<|im_start|>user\nhi<|im_end|>\n");
  expect(pieces).toEqual([
    { text: "<|im_start|>", special: true },
    { text: "user\nhi", special: false },
    { text: "<|im_end|>", special: true },
    { text: "\n", special: false },
  ]);
});
