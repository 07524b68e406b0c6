import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type ChunkOptions, chunkDocument, DEFAULT_CHUNK_OPTIONS } from "../../src/ingest/chunker.ts";
import { loadDocument } from "../../src/ingest/loaders/index.ts";
import type { ChunkDraft, LoadedDocument, TextBlock } from "../../src/types.ts";

const COURSE_DIR = join(import.meta.dirname, "../../../shared/course");
const { maxChars, overlapChars } = DEFAULT_CHUNK_OPTIONS;

function doc(blocks: TextBlock[], format: LoadedDocument["format"] = "txt"): LoadedDocument {
  return { path: "test.txt", title: "test", format, blocks };
}

function chunkText(text: string, options?: Partial<ChunkOptions>): ChunkDraft[] {
  return chunkDocument(doc([{ text, location: "" }]), options);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function expectWellFormed(chunks: ChunkDraft[], limit = maxChars): void {
  chunks.forEach((chunk, index) => {
    expect(chunk.position).toBe(index);
    expect(chunk.text.length).toBeLessThanOrEqual(limit);
    expect(chunk.text).toBe(chunk.text.trim());
    expect(chunk.text.length).toBeGreaterThan(0);
    expect(Buffer.from(chunk.text, "utf8").toString("utf8")).toBe(chunk.text);
    expect(LONE_SURROGATE.test(chunk.text)).toBe(false);
  });
}

/** Longest prefix of `next` that ends `previous`, up to `limit`: the repeated overlap. */
function overlapOf(previous: string, next: string, limit = overlapChars): string {
  for (let length = Math.min(limit, next.length, previous.length); length > 0; length -= 1) {
    const prefix = next.slice(0, length);
    if (previous.endsWith(prefix)) return prefix;
  }
  return "";
}

/** Every chunk is a piece of the source, in order, with no gaps (whitespace ignored). */
function expectCoverage(source: string, chunks: ChunkDraft[]): void {
  const squeeze = (text: string) => text.replace(/\s+/g, "");
  const flat = squeeze(source);
  let previousStart = -1;
  let previousEnd = 0;
  for (const chunk of chunks) {
    const piece = squeeze(chunk.text);
    const start = flat.indexOf(piece, previousStart + 1);
    expect(start, `chunk ${chunk.position} is not in the source`).toBeGreaterThanOrEqual(0);
    expect(start, `gap before chunk ${chunk.position}`).toBeLessThanOrEqual(previousEnd);
    previousStart = start;
    previousEnd = start + piece.length;
  }
  expect(previousEnd).toBe(flat.length);
}

/** Deterministic pseudo-random generator, so generated text is the same on every run. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const PHRASES = [
  "那今天這堂課呢",
  "我們要講的是",
  "生成式人工智慧",
  "背後的原理",
  "語言模型就是在做文字接龍",
  "你給它一個未完成的句子",
  "它會去猜下一個Token",
  "這個機率分布",
  "然後擲一個骰子",
  "所以每次的答案都不一樣",
  "這就是為什麼",
  "它有時候會一本正經地胡說八道",
  "因為它只是根據機率",
  "去產生看起來合理的句子",
  "那我們來看一個例子",
  "比如說你問它",
  "臺灣最高的山是哪座",
  "它會回答玉山",
  "那如果你問一個它沒看過的問題",
  "它還是會給你一個答案",
];

/** One long line like the real lecture transcripts: clauses separated by spaces, no punctuation. */
function transcriptLine(targetLength: number): string {
  const random = seededRandom(7);
  const words: string[] = [];
  let length = 0;
  while (length < targetLength) {
    const phrase = PHRASES[Math.floor(random() * PHRASES.length)] + String(words.length % 97);
    words.push(phrase);
    length += phrase.length + 1;
  }
  return words.join(" ");
}

const CHINESE_SENTENCES = Array.from(
  { length: 40 },
  (_, index) =>
    `第${index + 1}句：語言模型根據前文預測下一個字的機率分布，並從中抽樣產生輸出${index % 2 ? "。" : "！"}`,
);

describe("chunkDocument basics", () => {
  it("returns no chunks for empty or whitespace-only input", () => {
    expect(chunkDocument(doc([]))).toEqual([]);
    expect(chunkText("")).toEqual([]);
    expect(chunkText(" \n\u3000\n ")).toEqual([]);
  });

  it("keeps a short text as one chunk, unchanged and with nothing prepended", () => {
    expect(chunkText("語言模型就是在做文字接龍。")).toEqual([
      { text: "語言模型就是在做文字接龍。", location: "", position: 0 },
    ]);
  });

  it("is deterministic", () => {
    const text = transcriptLine(5000);
    expect(chunkText(text)).toEqual(chunkText(text));
  });
});

describe("sentence-aware splitting", () => {
  it("cuts Chinese text at sentence ends and overlaps whole sentences", () => {
    const source = CHINESE_SENTENCES.join("");
    const chunks = chunkText(source);
    expect(chunks.length).toBeGreaterThan(3);
    expectWellFormed(chunks);
    expectCoverage(source, chunks);
    for (const chunk of chunks) expect(chunk.text).toMatch(/^第\d+句.*[。！]$/s);
    for (let index = 1; index < chunks.length; index += 1) {
      const overlap = overlapOf(chunks[index - 1].text, chunks[index].text);
      // The sentences here are ~40 characters, so exactly one whole sentence is repeated.
      expect(overlap).toMatch(/^第\d+句.*[。！]$/);
    }
  });

  it("cuts English text at sentence ends, not at abbreviations or decimals", () => {
    const sentences = Array.from(
      { length: 30 },
      (_, index) =>
        `Sentence ${index} explains, e.g. with Dr. Smith's example, that version 3.5 predicts tokens.`,
    );
    const source = sentences.join(" ");
    const chunks = chunkText(source);
    expectWellFormed(chunks);
    expectCoverage(source, chunks);
    expect(chunks[0].text).toMatch(/^Sentence 0 /);
    for (const chunk of chunks) expect(chunk.text).toMatch(/tokens\.$/);
    for (let index = 1; index < chunks.length; index += 1) {
      // A sentence longer than overlapChars is carried over by its trailing clause instead.
      const overlap = overlapOf(chunks[index - 1].text, chunks[index].text);
      expect(overlap).toBe("that version 3.5 predicts tokens.");
      expect(chunks[index].text.slice(overlap.length).trimStart()).toMatch(
        /^Sentence \d+ explains, e\.g\. with Dr\./,
      );
    }
  });

  it("chunks a 35,000-character unpunctuated transcript line at the spaces between clauses", () => {
    const source = transcriptLine(35_000);
    const chunks = chunkText(source);
    expectWellFormed(chunks);
    expectCoverage(source, chunks);
    const average = chunks.reduce((sum, chunk) => sum + chunk.text.length, 0) / chunks.length;
    expect(average).toBeGreaterThan(250);
    expect(average).toBeLessThanOrEqual(450);
    for (const chunk of chunks) {
      // Each chunk starts and ends on a clause boundary of the source.
      const start = source.indexOf(chunk.text);
      expect(start).toBeGreaterThanOrEqual(0);
      expect(start === 0 || source[start - 1] === " ").toBe(true);
      const end = start + chunk.text.length;
      expect(end === source.length || source[end] === " ").toBe(true);
    }
    for (let index = 1; index < chunks.length; index += 1) {
      expect(overlapOf(chunks[index - 1].text, chunks[index].text).length).toBeGreaterThan(0);
    }
  });

  it("hard-splits text with no boundaries without breaking surrogate pairs or graphemes", () => {
    const family = "👨‍👩‍👧";
    const astral = `${"𠀀𠀁😀".repeat(300)}${family.repeat(120)}`;
    const chunks = chunkText(astral, { targetChars: 101, maxChars: 151 });
    expect(chunks.length).toBeGreaterThan(5);
    expectWellFormed(chunks, 151);
    expect(chunks.map((chunk) => chunk.text).join("")).toBe(astral);
    for (const chunk of chunks.filter((c) => c.text.includes("👨"))) {
      expect(chunk.text.replace(/𠀀|𠀁|😀/gu, "")).toMatch(/^(👨‍👩‍👧)+$/u);
    }
  });

  it("never exceeds maxChars, whatever the options", () => {
    const source = `${CHINESE_SENTENCES.join("\n")} ${transcriptLine(3000)} ${"字".repeat(2000)}`;
    for (const options of [
      {},
      { targetChars: 120, maxChars: 150, overlapChars: 40 },
      { targetChars: 900, maxChars: 200 },
    ]) {
      const chunks = chunkText(source, options);
      expectWellFormed(chunks, options.maxChars ?? maxChars);
    }
  });
});

describe("blocks and locations", () => {
  it("merges tiny transcript cues, keeping the first cue's time and location", () => {
    const cues: TextBlock[] = Array.from({ length: 60 }, (_, index) => ({
      text: `第${index}句字幕 語言模型在做文字接龍`,
      location: `00:${String(index).padStart(2, "0")}`,
      startSeconds: index,
    }));
    const chunks = chunkDocument(doc(cues, "srt"));
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.length).toBeLessThan(cues.length / 3);
    expectWellFormed(chunks);
    expect(chunks[0]).toMatchObject({ location: "00:00", startSeconds: 0 });
    for (const chunk of chunks) {
      const firstCue = cues.find((cue) => chunk.text.startsWith(cue.text));
      expect(firstCue).toBeDefined();
      expect(chunk.startSeconds).toBe(firstCue?.startSeconds);
      expect(chunk.location).toBe(firstCue?.location);
    }
    // Cues form one stream of speech, so overlap carries across cue boundaries.
    for (let index = 1; index < chunks.length; index += 1) {
      expect(overlapOf(chunks[index - 1].text, chunks[index].text).length).toBeGreaterThan(0);
    }
  });

  it("merges short sections under the first one's location", () => {
    const chunks = chunkDocument(
      doc(
        [
          { text: "作業\n共有十次作業。", location: "評分方式 > 作業" },
          { text: "期末專題\n三人一組。", location: "評分方式 > 期末專題" },
        ],
        "md",
      ),
    );
    expect(chunks).toEqual([
      { text: "作業\n共有十次作業。\n期末專題\n三人一組。", location: "評分方式 > 作業", position: 0 },
    ]);
  });

  it("keeps large sections apart and never overlaps across them", () => {
    const blocks: TextBlock[] = ["甲", "乙", "丙"].map((name, index) => ({
      text: `${name}節\n${CHINESE_SENTENCES.slice(index * 8, index * 8 + 8).join("")}`,
      location: `${name}節`,
    }));
    const chunks = chunkDocument(doc(blocks, "md"));
    expectWellFormed(chunks);
    for (const block of blocks) {
      const own = chunks.filter((chunk) => chunk.location === block.location);
      expect(own.length).toBeGreaterThan(0);
      expect(own[0].text.startsWith(block.text.split("\n")[0])).toBe(true);
      for (const chunk of own) expect(block.text.replace(/\n/g, "")).toContain(chunk.text.replace(/\n/g, ""));
    }
  });
});

describe.skipIf(!existsSync(COURSE_DIR))("real course material", () => {
  const files = existsSync(COURSE_DIR) ? readdirSync(COURSE_DIR).sort() : [];

  it.each(files)("chunks %s within limits", async (file) => {
    const loaded = await loadDocument(file, readFileSync(join(COURSE_DIR, file)));
    const chunks = chunkDocument(loaded);
    expect(chunks.length).toBeGreaterThan(0);
    expectWellFormed(chunks);
    const average = chunks.reduce((sum, chunk) => sum + chunk.text.length, 0) / chunks.length;
    expect(average).toBeLessThanOrEqual(600);
    expect(average).toBeGreaterThan(150);
  });
});
