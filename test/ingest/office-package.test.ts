/**
 * Zip bombs: an Office document whose parts unpack past the cap is refused with a clear error
 * before it is unpacked, and the rest of the corpus is ingested as usual (real JSZip packages,
 * real LanceDB in a temp folder).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import JSZip from "jszip";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDocx } from "../../src/ingest/loaders/docx.ts";
import { MAX_UNPACKED_BYTES, OfficePackage } from "../../src/ingest/loaders/office-package.ts";
import { loadPptx } from "../../src/ingest/loaders/pptx.ts";
import { createRetriever } from "../../src/retrieve/index.ts";
import { ingestFulltext } from "../helpers/eval-sets.ts";

async function zipOf(parts: Record<string, string>): Promise<Buffer> {
  const zip = new JSZip();
  for (const [name, text] of Object.entries(parts)) zip.file(name, text);
  return zip.generateAsync({ type: "nodebuffer", compression: "DEFLATE", compressionOptions: { level: 1 } });
}

const MB = 1024 * 1024;
let bomb: Buffer;
const root = mkdtempSync(join(tmpdir(), "office-package-"));

beforeAll(async () => {
  // ~110 MB of spaces in one slide and one Word body: a few hundred KB zipped.
  const filler = " ".repeat(MAX_UNPACKED_BYTES + 10 * MB);
  bomb = await zipOf({ "ppt/slides/slide1.xml": filler, "word/document.xml": filler });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("OfficePackage", () => {
  it("reads parts under the cap and refuses the part that passes it, naming the file", async () => {
    const pack = await OfficePackage.open(
      "deck.pptx",
      await zipOf({ "small.xml": "<a>小</a>", "big.xml": "x".repeat(2 * MB) }),
      "PowerPoint file",
      MB,
    );
    expect(await pack.text("small.xml")).toBe("<a>小</a>");
    expect(await pack.text("missing.xml")).toBeUndefined();
    await expect(pack.text("big.xml")).rejects.toThrow(/deck\.pptx: unpacks to more than 1 MB/);
  });

  it("counts every part together, not each alone", async () => {
    const parts = { "a.xml": "a".repeat(0.6 * MB), "b.xml": "b".repeat(0.6 * MB) };
    const pack = await OfficePackage.open("notes.docx", await zipOf(parts), "Word document", MB);
    await expect(pack.checkSize()).rejects.toThrow(/zip bomb/);
    const roomy = await OfficePackage.open("notes.docx", await zipOf(parts), "Word document", 2 * MB);
    await expect(roomy.checkSize()).resolves.toBeUndefined();
  });

  it("says when the file is not a zip at all", async () => {
    await expect(OfficePackage.open("x.pptx", Buffer.from("not a zip"), "PowerPoint file")).rejects.toThrow(
      /x\.pptx: not a readable PowerPoint file/,
    );
  });
});

describe("a zip bomb in the corpus", () => {
  it("is refused by the PowerPoint and Word loaders with the default cap", async () => {
    const started = performance.now();
    await expect(loadPptx("lectures/bomb.pptx", bomb)).rejects.toThrow(
      /bomb\.pptx: unpacks to more than 100 MB \(a zip bomb\?\)/,
    );
    await expect(loadDocx("handouts/bomb.docx", bomb)).rejects.toThrow(
      /bomb\.docx: unpacks to more than 100 MB/,
    );
    // Stopped at the cap, not after unpacking everything and then complaining.
    expect(performance.now() - started).toBeLessThan(20_000);
  });

  it("fails alone: the rest of the corpus is ingested and searchable", async () => {
    const corpusDir = join(root, "corpus");
    mkdirSync(corpusDir, { recursive: true });
    writeFileSync(join(corpusDir, "bomb.pptx"), bomb);
    writeFileSync(join(corpusDir, "notes.md"), "# 取樣\n\n溫度越高，機率分布越平。\n");
    const { chunks, summary } = await ingestFulltext(corpusDir, root);
    expect(summary.failed.map((failure) => failure.path)).toEqual(["bomb.pptx"]);
    expect(summary.failed[0]!.reason).toMatch(/zip bomb/);
    expect(summary.added).toEqual(["notes.md"]);
    const found = await createRetriever({ chunks, embedder: null }).retrieve("溫度越高會怎樣");
    expect(found.passages[0]!.chunk.documentPath).toBe("notes.md");
  });
});
