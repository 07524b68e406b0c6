import { describe, expect, it } from "vitest";
import { fuseRankings } from "../../src/retrieve/fusion.ts";
import type { Chunk } from "../../src/types.ts";

function chunk(id: string, text = `text of ${id}`): Chunk {
  return {
    id,
    documentPath: `${id}.md`,
    title: id,
    location: "",
    link: "",
    text,
    position: 0,
    contentHash: "h",
  };
}

describe("fuseRankings", () => {
  it("ranks a passage found by both retrievers above ones found by one", () => {
    const passages = fuseRankings(
      [
        {
          retriever: "fulltext",
          hits: [
            { chunk: chunk("a"), score: 9 },
            { chunk: chunk("b"), score: 5 },
          ],
        },
        {
          retriever: "vector",
          hits: [
            { chunk: chunk("c"), score: 0.9 },
            { chunk: chunk("b"), score: 0.8 },
          ],
        },
      ],
      { limit: 3 },
    );
    expect(passages.map((passage) => passage.chunk.id)).toEqual(["b", "a", "c"]);
    expect(passages[0]!.rank).toBe(1);
    expect(passages[0]!.retrievers).toEqual([
      { retriever: "fulltext", rank: 2, score: 5 },
      { retriever: "vector", rank: 2, score: 0.8 },
    ]);
  });

  it("keeps one retriever's order when it is the only one", () => {
    const hits = ["x", "y", "z"].map((id, index) => ({ chunk: chunk(id), score: 3 - index }));
    const passages = fuseRankings([{ retriever: "fulltext", hits }], { limit: 2 });
    expect(passages.map((passage) => passage.chunk.id)).toEqual(["x", "y"]);
  });

  it("drops duplicate texts and counts each retriever once per chunk", () => {
    const passages = fuseRankings(
      [
        {
          retriever: "fulltext",
          hits: [
            { chunk: chunk("a", "same words"), score: 2 },
            { chunk: chunk("b", "same  words"), score: 1 },
            { chunk: chunk("a", "same words"), score: 1 },
          ],
        },
      ],
      { limit: 5 },
    );
    expect(passages).toHaveLength(1);
    expect(passages[0]!.retrievers).toHaveLength(1);
  });

  it("returns nothing for no hits", () => {
    expect(fuseRankings([{ retriever: "vector", hits: [] }], { limit: 5 })).toEqual([]);
  });
});
