/** A question that names a kind of document (slides, transcript, notes) gets that kind's passages first. */
import { describe, expect, it } from "vitest";
import { preferKinds } from "../../src/retrieve/fusion.ts";
import { askedDocumentKinds, documentKind } from "../../src/text/document-kind.ts";
import type { Chunk, Passage } from "../../src/types.ts";

function passage(documentPath: string, rank: number): Passage {
  const chunk: Chunk = {
    id: `${documentPath}#${rank}`,
    documentPath,
    title: documentPath,
    location: "",
    link: "",
    text: documentPath,
    position: rank,
    contentHash: "h",
  };
  return { rank, chunk, score: 1 / (60 + rank), retrievers: [{ retriever: "fulltext", rank, score: 1 }] };
}

describe("document kinds", () => {
  it("tells slides, transcripts and notes apart by the file name", () => {
    expect(documentKind("01-genai-principles.slides.txt")).toBe("slides");
    expect(documentKind("week3/deck.pdf")).toBe("slides");
    expect(documentKind("00-intro.transcript.txt")).toBe("transcript");
    expect(documentKind("lecture-2.vtt")).toBe("transcript");
    expect(documentKind("05-first-look.notes.md")).toBe("notes");
    expect(documentKind("syllabus.md")).toBeUndefined();
    expect(documentKind("slideshow-ideas.md")).toBeUndefined();
  });

  it("finds the kinds a question names, in Chinese or English, and nothing in other questions", () => {
    expect(askedDocumentKinds("投影片說22K取樣率要接龍幾次")).toEqual(["slides"]);
    expect(askedDocumentKinds("slide上 資料有哪幾種來源")).toEqual(["slides"]);
    expect(askedDocumentKinds("筆記裡面的蒸餾是拿來幹嘛的")).toEqual(["notes"]);
    expect(askedDocumentKinds("逐字稿第幾分鐘講到 RAG")).toEqual(["transcript"]);
    expect(askedDocumentKinds("top-p 跟 top-k 差在哪")).toEqual([]);
    expect(askedDocumentKinds("sliders and keynote")).toEqual([]);
  });

  it("moves the asked kind's passages up by one more reciprocal rank, others keep their order", () => {
    const fused = [passage("a.transcript.txt", 1), passage("a.slides.txt", 2), passage("syllabus.md", 3)];
    const isSlides = (chunk: Chunk) => documentKind(chunk.documentPath) === "slides";
    const preferred = preferKinds(fused, isSlides);
    expect(preferred.map((item) => item.chunk.documentPath)).toEqual([
      "a.slides.txt",
      "a.transcript.txt",
      "syllabus.md",
    ]);
    expect(preferred.map((item) => item.rank)).toEqual([1, 2, 3]);
    expect(preferKinds(fused, () => false)).toEqual(fused);
  });
});
