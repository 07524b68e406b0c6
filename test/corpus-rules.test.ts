/** The one rule for what is in the corpus (src/corpus-rules.ts), on real files and links. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { documentPathProblem, isCorpusDocumentPath, realPathProblem } from "../src/corpus-rules.ts";

const EXTENSIONS = [".md", ".pdf"];
const root = mkdtempSync(join(tmpdir(), "corpus-rules-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

test("a document path: supported extension, inside the corpus, nothing hidden on the way", () => {
  for (const good of ["a.md", "lectures/w1.MD", "第三週/講義.pdf"])
    expect(isCorpusDocumentPath(good, EXTENSIONS)).toBe(true);
  for (const bad of ["a.sh", "../a.md", "/etc/a.md", "a//b.md", "a\\b.md", "./a.md", "a\0.md"])
    expect(documentPathProblem(bad, EXTENSIONS)).toMatch(/not/);
  for (const hidden of [".a.md", ".notes/x.md", "a/.drafts/b.md", ".archive/x.md"])
    expect(documentPathProblem(hidden, EXTENSIONS)).toMatch(/hidden/);
});

test("on disk: links and files where folders must go are refused, missing parts are fine", async () => {
  const corpusDir = join(root, "corpus");
  mkdirSync(join(corpusDir, "real"), { recursive: true });
  writeFileSync(join(corpusDir, "real/a.md"), "a");
  writeFileSync(join(corpusDir, "plain"), "a file");
  mkdirSync(join(root, "outside"));
  symlinkSync(join(root, "outside"), join(corpusDir, "out"));
  symlinkSync(join(corpusDir, "real"), join(corpusDir, "alias"));

  expect(await realPathProblem(corpusDir, "real/a.md")).toBeUndefined();
  expect(await realPathProblem(corpusDir, "new/deeper/b.md")).toBeUndefined();
  expect(await realPathProblem(corpusDir, "out/b.md")).toMatch(/outside the corpus folder.*out/);
  expect(await realPathProblem(corpusDir, "alias/a.md")).toMatch(
    /symbolic link alias, which ingest does not follow/,
  );
  expect(await realPathProblem(corpusDir, "plain/b.md")).toMatch(/plain to be a folder/);
  expect(await realPathProblem(corpusDir, "real")).toMatch(/not a regular file/);
});
