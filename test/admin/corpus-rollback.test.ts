/** The folder half of an admin rollback: a swap that fails half way is undone, on real files. */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { FolderSwap } from "../../src/admin/corpus-rollback.ts";

const root = mkdtempSync(join(tmpdir(), "corpus-rollback-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

test("a swap that fails half way puts every file back and leaves no staging folder", async () => {
  const corpusDir = join(root, "corpus");
  mkdirSync(corpusDir);
  writeFileSync(join(corpusDir, "b.md"), "B");
  writeFileSync(join(corpusDir, "c.md"), "C");
  // A plain file where the folder of the last step must go: its rename fails after two steps ran.
  writeFileSync(join(corpusDir, "notes"), "not a folder");
  const swap = await FolderSwap.stage(corpusDir, [
    { path: "b.md", moveAside: true },
    { path: "c.md", moveAside: true, content: Buffer.from("C restored") },
    { path: "notes/a.md", moveAside: false, content: Buffer.from("A") },
  ]);

  await expect(swap.apply()).rejects.toThrow();
  expect(await swap.undo()).toBeUndefined();

  expect(readFileSync(join(corpusDir, "b.md"), "utf8")).toBe("B");
  expect(readFileSync(join(corpusDir, "c.md"), "utf8")).toBe("C");
  expect(existsSync(join(corpusDir, "notes/a.md"))).toBe(false);
  expect(readdirSync(corpusDir).sort()).toEqual(["b.md", "c.md", "notes"]);
});
