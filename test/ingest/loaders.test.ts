import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AppError } from "../../src/errors.ts";
import { loadDocument, SUPPORTED_EXTENSIONS } from "../../src/ingest/loaders/index.ts";
import { writePdf } from "../helpers/pdf.ts";

const fixturesDir = join(import.meta.dirname, "../fixtures/docs");
const fixture = (name: string) => readFileSync(join(fixturesDir, name));
const utf8 = (text: string) => Buffer.from(text, "utf8");

async function expectParseFailure(promise: Promise<unknown>, ...fragments: string[]): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  const appError = error as AppError;
  expect(appError.code).toBe("parse_failed");
  for (const fragment of fragments) expect(appError.message).toContain(fragment);
  return appError;
}

describe("loadDocument dispatch", () => {
  it("lists the supported extensions", () => {
    expect([...SUPPORTED_EXTENSIONS].sort()).toEqual([
      ".docx",
      ".htm",
      ".html",
      ".ipynb",
      ".markdown",
      ".md",
      ".pdf",
      ".pptx",
      ".srt",
      ".txt",
      ".vtt",
    ]);
  });

  it("rejects an unknown extension, naming the file", async () => {
    await expectParseFailure(loadDocument("slides/week1.key", utf8("hi")), "slides/week1.key", ".key");
    await expectParseFailure(loadDocument("README", utf8("hi")), "README", "unsupported");
  });

  it("matches extensions case-insensitively and uses forward slashes", async () => {
    const doc = await loadDocument("notes\\Week1.TXT", utf8("hello"));
    expect(doc.path).toBe("notes/Week1.TXT");
    expect(doc.format).toBe("txt");
    expect(doc.title).toBe("Week1");
  });

  it("rejects bytes that are not UTF-8 text", async () => {
    await expectParseFailure(
      loadDocument("broken.txt", Buffer.from([0xff, 0x00, 0xc3, 0x28])),
      "broken.txt",
      "UTF-8",
    );
  });

  it("normalizes text: BOM, CRLF, control characters, NFC", async () => {
    const decomposed = "e\u0301"; // é as two code points
    const doc = await loadDocument("a.txt", utf8(`\uFEFFcaf${decomposed}\r\nline\u0007two\tend`));
    expect(doc.blocks).toEqual([{ text: "caf\u00e9\nlinetwo end", location: "" }]);
  });
});

describe("markdown loader", () => {
  it("reads Chinese front matter keys and builds heading paths", async () => {
    const doc = await loadDocument("syllabus.md", fixture("syllabus.md"));
    expect(doc).toMatchObject({
      path: "syllabus.md",
      format: "md",
      title: "生成式人工智慧導論 課程大綱",
      url: "https://www.youtube.com/watch?v=example",
      lecture: "2026-02-24",
    });
    // The lone opening "#" heading names the document, so it is not repeated in every location.
    expect(doc.blocks.map((block) => block.location)).toEqual([
      "",
      "評分方式",
      "評分方式 > 作業",
      "評分方式 > 期末專題",
      "聯絡助教",
    ]);
    expect(doc.blocks[0].text).toBe("課程大綱\n本課程介紹生成式人工智慧的原理與應用。");
    const homework = doc.blocks[2].text;
    expect(homework.startsWith("作業\n共有十次作業")).toBe(true);
    // A "#" line inside a code fence is code, not a heading.
    expect(homework).toContain("# 這不是標題");
    expect(doc.blocks[4].text).toContain("到 Discord 討論區 發問");
    expect(doc.blocks.some((block) => block.text.includes("空的小節"))).toBe(false);
  });

  it("takes the title from the first # heading and leaves it out of locations", async () => {
    const doc = await loadDocument("faq.md", fixture("faq.md"));
    expect(doc.title).toBe("常見問題");
    expect(doc.url).toBeUndefined();
    expect(doc.lecture).toBeUndefined();
    expect(doc.blocks).toEqual([
      { text: "作業可以遲交嗎？\n可以，但每遲交一天扣 10%。", location: "作業可以遲交嗎？" },
      { text: "可以旁聽嗎？\n歡迎旁聽，但不能繳交作業。", location: "可以旁聽嗎？" },
    ]);
  });

  it("keeps several top-level headings in the location path", async () => {
    const doc = await loadDocument(
      "notes.md",
      utf8("前言文字\n# 初步理解\n## 應用場景\n文案生成\n# 如何訓練\n#### 資料\n大量資料"),
    );
    expect(doc.title).toBe("初步理解");
    expect(doc.blocks).toEqual([
      { text: "前言文字", location: "" },
      { text: "應用場景\n文案生成", location: "初步理解 > 應用場景" },
      { text: "資料\n大量資料", location: "如何訓練 > 資料" },
    ]);
  });

  it("reads English front matter keys and falls back to the file name", async () => {
    const withKeys = await loadDocument(
      "w3.md",
      utf8("---\ntitle: Week 3\nurl: https://example.com/w3\nlecture: 3\n---\nSome text.\n"),
    );
    expect(withKeys).toMatchObject({ title: "Week 3", url: "https://example.com/w3", lecture: "3" });
    expect(withKeys.blocks).toEqual([{ text: "Some text.", location: "" }]);

    const bare = await loadDocument("notes/第三週.講義.md", utf8("只有內文，沒有標題。\n\n## 小節\n內容"));
    expect(bare.title).toBe("第三週.講義");
    expect(bare.blocks.map((block) => block.location)).toEqual(["", "小節"]);
  });

  it("rejects invalid front matter, naming the file", async () => {
    await expectParseFailure(
      loadDocument("bad.md", utf8("---\ntitle: [unclosed\n---\nbody")),
      "bad.md",
      "YAML",
    );
  });
});

describe("plain text loader", () => {
  it("splits paragraphs and locates them as 第 N 段", async () => {
    const doc = await loadDocument("notes.txt", fixture("notes.txt"));
    expect(doc.title).toBe("notes");
    expect(doc.blocks).toEqual([
      { text: "第一段：語言模型就是在做文字接龍。", location: "第 1 段" },
      { text: "第二段：模型根據機率分布選擇下一個 token。\n這一行仍然屬於第二段。", location: "第 2 段" },
      { text: "第三段：溫度越高，輸出越隨機。", location: "第 3 段" },
    ]);
  });

  it("keeps a single paragraph whole with an empty location", async () => {
    const doc = await loadDocument("t.transcript.txt", utf8("一行 沒有 標點的 逐字稿\n第二行"));
    expect(doc.title).toBe("t.transcript");
    expect(doc.blocks).toEqual([{ text: "一行 沒有 標點的 逐字稿\n第二行", location: "" }]);
  });

  it("returns no blocks for an empty file", async () => {
    expect((await loadDocument("empty.txt", utf8(" \n\n"))).blocks).toEqual([]);
  });
});

describe("subtitle loaders", () => {
  it("reads SRT cues with start times, stripping tags", async () => {
    const doc = await loadDocument("lecture.srt", fixture("lecture.srt"));
    expect(doc).toMatchObject({ title: "lecture", format: "srt" });
    expect(doc.blocks).toEqual([
      { text: "大家好，今天我們來談 語言模型。", location: "00:01", startSeconds: 1 },
      { text: "語言模型會做文字接龍。", location: "01:05", startSeconds: 65.5 },
      { text: "下課了。", location: "1:02:03", startSeconds: 3723.25 },
    ]);
  });

  it("reads VTT cues past an hour, skipping header, NOTE, STYLE and repeated cues", async () => {
    const doc = await loadDocument("lecture.vtt", fixture("lecture.vtt"));
    expect(doc).toMatchObject({ title: "lecture", format: "vtt" });
    expect(doc.blocks).toEqual([
      { text: "歡迎來到生成式 AI 課程", location: "00:00", startSeconds: 0 },
      { text: "今天談 & 練習 Transformer", location: "00:03", startSeconds: 3.5 },
      { text: "我們明天見。", location: "1:00:00", startSeconds: 3600 },
    ]);
  });

  it("rejects a VTT without its header and an SRT without cues", async () => {
    await expectParseFailure(loadDocument("x.vtt", utf8("00:00.000 --> 00:01.000\nhi")), "x.vtt", "WEBVTT");
    await expectParseFailure(loadDocument("x.srt", utf8("just some words")), "x.srt", "no subtitle cues");
  });
});

describe("pdf loader", () => {
  it("reads one block per page and skips empty pages", async () => {
    const pdf = writePdf([
      "Attention is all you need.\nTransformers use self-attention.",
      "",
      "Page three (the last one).",
    ]);
    const doc = await loadDocument("papers/attention.pdf", pdf);
    expect(doc).toMatchObject({ path: "papers/attention.pdf", title: "attention", format: "pdf" });
    expect(doc.blocks).toEqual([
      { text: "Attention is all you need.\nTransformers use self-attention.", location: "p. 1" },
      { text: "Page three (the last one).", location: "p. 3" },
    ]);
  });

  it("does not consume the caller's buffer", async () => {
    const pdf = writePdf(["Reusable"]);
    await loadDocument("a.pdf", pdf);
    expect((await loadDocument("a.pdf", pdf)).blocks[0].text).toBe("Reusable");
  });

  it("rejects a corrupt PDF with an AppError naming the file", async () => {
    const error = await expectParseFailure(
      loadDocument("slides/broken.pdf", Buffer.from("%PDF-1.4\nthis is not really a pdf")),
      "slides/broken.pdf",
      "PDF",
    );
    expect(error.cause).toBeDefined();
    await expectParseFailure(loadDocument("slides/text.pdf", utf8("plain words")), "slides/text.pdf");
    await expectParseFailure(loadDocument("cut.pdf", writePdf(["Hello"]).subarray(0, 120)), "cut.pdf");
  });
});
