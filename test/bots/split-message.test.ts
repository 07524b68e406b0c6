import { describe, expect, it } from "vitest";
import { splitMessage } from "../../src/bots/split-message.ts";

const sentence = "這是一個關於課程評分方式的句子。";
const paragraph = sentence.repeat(8); // 128 characters

function withoutSpace(text: string): string {
  return text.replace(/\s/g, "");
}

describe("splitMessage", () => {
  it("keeps a short text as one message", () => {
    expect(splitMessage("短短的回答 [1]", { maxChars: 2000 })).toEqual(["短短的回答 [1]"]);
  });

  it("returns no messages for empty text", () => {
    expect(splitMessage("  \n ", { maxChars: 2000 })).toEqual([]);
  });

  it("cuts at paragraph boundaries and loses no text", () => {
    const text = [paragraph, paragraph, paragraph].join("\n\n");
    const parts = splitMessage(text, { maxChars: 300 });
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(300);
    expect(parts[0]!.endsWith("。")).toBe(true);
    expect(withoutSpace(parts.join(""))).toBe(withoutSpace(text));
  });

  it("cuts at a sentence end when a paragraph is too long", () => {
    const parts = splitMessage(sentence.repeat(40), { maxChars: 200 });
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(200);
      expect(part.endsWith("。")).toBe(true);
    }
  });

  it("never cuts inside a citation or a markdown link", () => {
    const filler = "課程說明".repeat(11); // 44 characters
    const text = `${filler}[12][13]${filler}[課程大綱 · 評分](<https://example.com/syllabus#grading>)${filler}`;
    for (let maxChars = 40; maxChars <= 120; maxChars++) {
      const parts = splitMessage(text, { maxChars });
      const joined = parts.join("");
      expect(joined).toContain("[12][13]");
      expect(joined).toContain("[課程大綱 · 評分](<https://example.com/syllabus#grading>)");
      for (const part of parts) expect(part.length).toBeLessThanOrEqual(maxChars);
    }
  });

  it("keeps a code block whole when it fits in one message", () => {
    const code = `\`\`\`python\n${"print('hi')\n".repeat(10)}\`\`\``;
    const text = `${sentence.repeat(5)}\n${code}\n${sentence.repeat(5)}`;
    const parts = splitMessage(text, { maxChars: 200 });
    expect(parts.some((part) => part.includes(code))).toBe(true);
    for (const part of parts) expect((part.match(/```/g) ?? []).length % 2).toBe(0);
  });

  it("closes and reopens a code block longer than a message", () => {
    const lines = Array.from({ length: 80 }, (_, index) => `x = ${index}  # step`);
    const text = `\`\`\`python\n${lines.join("\n")}\n\`\`\``;
    const parts = splitMessage(text, { maxChars: 300 });
    expect(parts.length).toBeGreaterThan(3);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(300);
      expect(part.startsWith("```python\n")).toBe(true);
      expect(part.endsWith("```")).toBe(true);
    }
    const body = parts.map((part) => part.slice("```python\n".length, -"\n```".length)).join("\n");
    expect(body).toBe(lines.join("\n"));
  });

  it("closes a code block still open at the end (a streaming answer)", () => {
    expect(splitMessage("看這段：\n```js\nconst a = 1;", { maxChars: 2000 })).toEqual([
      "看這段：\n```js\nconst a = 1;\n```",
    ]);
  });

  it("caps the number of messages and says text was left out", () => {
    const parts = splitMessage(sentence.repeat(100), {
      maxChars: 100,
      maxMessages: 5,
      truncationNotice: "…（略）",
    });
    expect(parts).toHaveLength(5);
    expect(parts[4]!.endsWith("…（略）")).toBe(true);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(100);
  });

  it("never splits a surrogate pair", () => {
    const parts = splitMessage("😀".repeat(30), { maxChars: 17 });
    for (const part of parts) expect(part).toMatch(/^(?:😀)+$/u);
  });

  it("splits a 2,000-character Discord answer limit exactly", () => {
    const text = Array.from({ length: 30 }, (_, index) => `${index + 1}. ${sentence.repeat(6)}`).join("\n");
    const parts = splitMessage(text, { maxChars: 2000 });
    expect(parts.length).toBeGreaterThanOrEqual(2);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(2000);
    // Every message starts at a list item: the cut was at a line break.
    for (const part of parts) expect(part).toMatch(/^\d+\. /);
  });
});
