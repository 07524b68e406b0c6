/** The ingest and search commands as a TA runs them, as child processes on a temp LanceDB. */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openDatabase } from "../../src/store/index.ts";
import { runCli as run, startCli as start } from "../helpers/cli.ts";

describe("npm run ingest / npm run search", () => {
  let root: string;
  let env: Record<string, string>;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "cli-test-"));
    cpSync(resolve("corpus"), join(root, "corpus"), { recursive: true });
    env = { CORPUS_DIR: join(root, "corpus"), DATA_DIR: join(root, "data"), EMBED_MODEL: "none" };
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("ingests and prints a summary, then finds nothing to do", async () => {
    const first = await run("ingest", [], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/ingest: 9 added, 0 updated, 0 unchanged, 0 removed, 0 failed/);
    const second = await run("ingest", [], env);
    expect(second.stdout).toMatch(/0 added, 0 updated, 9 unchanged, 0 removed, 0 failed; 0 chunks written/);
  });

  it("reports a broken file by name, exits non-zero, and still ingests the rest", async () => {
    writeFileSync(join(root, "corpus", "broken.pdf"), "%PDF-1.7\nnot a pdf at all");
    writeFileSync(join(root, "corpus", "extra.md"), "# 補充\n\n期中考取消，改為期末專題口頭報告。");
    const result = await run("ingest", [], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/failed: broken\.pdf: .*broken\.pdf/);
    expect(result.stdout).toMatch(/1 added, 0 updated, 9 unchanged, 0 removed, 1 failed/);
    rmSync(join(root, "corpus", "broken.pdf"));
  });

  it("searches with --json in the documented shape", async () => {
    const result = await run("search", ["--k", "3", "--json", "期中考", "取消了嗎？"], env);
    expect(result.code).toBe(0);
    const passages = JSON.parse(result.stdout) as Record<string, unknown>[];
    expect(passages).toHaveLength(3);
    expect(Object.keys(passages[0]!).sort()).toEqual(
      ["link", "location", "rank", "retrievers", "score", "source", "text", "title"].sort(),
    );
    expect(passages[0]!.source).toBe("extra.md");
    expect(passages[0]!.rank).toBe(1);
  });

  it("answers --queries FILE with one JSON line per question, in order", async () => {
    const file = join(root, "questions.txt");
    writeFileSync(file, "期中考取消了嗎\n\nLoRA 是什麼？\nHW4 什麼時候要交\n");
    const result = await run("search", ["--k", "2", "--queries", file], env);
    const lines = result.stdout.trim().split("\n");
    expect(lines).toHaveLength(3);
    const answers = lines.map((line) => JSON.parse(line) as { source: string }[]);
    expect(answers[0]![0]!.source).toBe("extra.md");
    expect(answers[1]![0]!.source).toMatch(/lecture-07/);
    expect(answers.every((answer) => answer.length === 2)).toBe(true);
  });

  it("names the bad flag or file", async () => {
    const badFlag = await run("search", ["--bogus", "x"], env);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(/--bogus/);
    const badK = await run("search", ["--k", "zero", "x"], env);
    expect(badK.stderr).toMatch(/--k/);
    const missing = await run("search", ["--queries", join(root, "nope.txt")], env);
    expect(missing.stderr).toMatch(/nope\.txt/);
    const badRollback = await run("ingest", ["--rollback", "abc"], env);
    expect(badRollback.stderr).toMatch(/--rollback/);
  });

  it("lists versions and rolls back", async () => {
    const versions = await run("ingest", ["--versions"], env);
    const lines = versions.stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    const firstVersion = Number(/^version (\d+)/.exec(lines[0]!)![1]);
    const rollback = await run("ingest", ["--rollback", String(firstVersion)], env);
    expect(rollback.code).toBe(0);
    expect(rollback.stdout).toMatch(new RegExp(`restored version ${firstVersion} as version \\d+`));
    const search = await run("search", ["--json", "期中考取消"], env);
    const passages = JSON.parse(search.stdout) as { source: string }[];
    expect(passages.some((passage) => passage.source === "extra.md")).toBe(false);
    const nonexistent = await run("ingest", ["--rollback", "9999"], env);
    expect(nonexistent.code).toBe(1);
    expect(nonexistent.stderr).toMatch(/version 9999 does not exist/);
  });
});

describe("kill -9 during an ingest", () => {
  it("leaves either the old corpus or the new one, never a mix, and search works", async () => {
    const root = mkdtempSync(join(tmpdir(), "kill-test-"));
    try {
      const corpusDir = join(root, "corpus");
      // The tiny embedding model makes the ingest long enough (embedding, then one commit) to kill inside it.
      const env = {
        CORPUS_DIR: corpusDir,
        DATA_DIR: join(root, "data"),
        EMBED_MODEL: join(inject("fixturesDir"), "tiny-embed"),
      };
      const writeCorpus = (edition: string) => {
        cpSync(resolve("corpus"), corpusDir, { recursive: true });
        for (let index = 0; index < 150; index++) {
          const body = Array.from(
            { length: 30 },
            (_, line) => `第 ${index} 份講義第 ${line} 段，版本 ${edition}。`,
          ).join("\n\n");
          writeFileSync(join(corpusDir, `generated-${index}.md`), `# 講義 ${index}\n\n${body}\n`);
        }
      };
      writeCorpus("甲");
      const firstStarted = performance.now();
      expect((await run("ingest", [], env)).code).toBe(0);
      const ingestMs = performance.now() - firstStarted;
      // Every chunk row, not one per document: a document must never hold chunks of two editions.
      const hashesOf = async () => {
        const table = await (await openDatabase(env.DATA_DIR)).openTable("chunks");
        const rows = await table.query().select(["documentPath", "contentHash"]).toArray();
        const hashes = new Map<string, string>();
        for (const row of rows) {
          const path = String(row.documentPath);
          const hash = String(row.contentHash);
          expect(hashes.get(path) ?? hash, path).toBe(hash);
          hashes.set(path, hash);
        }
        return hashes;
      };
      const oldHashes = await hashesOf();

      // Kill at several moments of a full re-ingest, as fractions of how long the first one took on this
      // machine: during start-up, while embedding, and near the commit.
      let killedMidIngest = 0;
      for (const fraction of [0.3, 0.6, 0.8, 0.95]) {
        writeCorpus(`乙${fraction}`);
        const child = start("ingest", [], env);
        // Listen before waiting: an ingest that finishes before the kill has already closed.
        const closed = new Promise((resolveExit) => child.on("close", resolveExit));
        await new Promise((resolveDelay) => setTimeout(resolveDelay, ingestMs * fraction));
        child.kill("SIGKILL");
        await closed;
        if (child.signalCode === "SIGKILL") killedMidIngest++;

        const hashes = await hashesOf();
        const generated = [...hashes.entries()].filter(([path]) => path.startsWith("generated-"));
        expect(generated).toHaveLength(150);
        const fromOld = generated.filter(([path, hash]) => oldHashes.get(path) === hash).length;
        // All documents from one edition: the old one or the new one.
        expect([0, generated.length]).toContain(fromOld);
        const search = await run("search", ["--json", "講義第 3 段"], env);
        expect(search.code).toBe(0);
        expect((JSON.parse(search.stdout) as unknown[]).length).toBeGreaterThan(0);
        // Next round compares against whatever is committed now.
        for (const [path, hash] of hashes) oldHashes.set(path, hash);
      }
      expect(killedMidIngest).toBeGreaterThan(0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 180_000);
});
