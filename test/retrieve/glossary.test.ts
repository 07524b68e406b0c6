/**
 * Course vocabulary: synonyms mined from the corpus and from a staff file expand questions; a
 * contextual header (title, lecture, section) finds a lecture's passages by its name or number.
 * Real LanceDB in a temp folder, full-text only.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { loadStaffGlossary } from "../../src/deps.ts";
import { ingestCorpus } from "../../src/ingest/ingest.ts";
import { createRetriever } from "../../src/retrieve/index.ts";
import { ChunkStore, IngestLog, openDatabase } from "../../src/store/index.ts";
import { type Glossary, glossaryExpansion, mineGlossary, parseGlossary } from "../../src/text/glossary.ts";

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function tempDir(): string {
  const root = mkdtempSync(join(tmpdir(), "glossary-"));
  roots.push(root);
  return root;
}

async function retrieverOver(files: Record<string, string>, glossary?: Glossary) {
  const root = tempDir();
  const corpusDir = join(root, "corpus");
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(corpusDir, path, ".."), { recursive: true });
    writeFileSync(join(corpusDir, path), text);
  }
  const database = await openDatabase(join(root, "data"));
  const chunks = await ChunkStore.open(database);
  await ingestCorpus({ corpusDir, chunks, log: await IngestLog.open(database), embedder: null });
  return createRetriever({ chunks, embedder: null, glossary });
}

describe("mining the glossary from the corpus", () => {
  it("pairs a term with its translation or abbreviation in brackets, and either side of ｜", () => {
    const glossary = mineGlossary([
      "第 6 講：檢索增強生成（RAG）",
      "這個包裝格式叫做 chat template（對話模板）。",
      "常用的損失是交叉熵（cross-entropy）。",
      "| HW4｜作業四 | 11/26 |",
    ]);
    const groups = glossary.groups.map((group) => [...group].sort());
    expect(groups).toContainEqual(["rag", "檢索增強生成"]);
    expect(groups).toContainEqual(["chat template", "對話模板"]);
    expect(groups).toContainEqual(["cross-entropy", "交叉熵"]);
    expect(groups).toContainEqual(["hw4", "作業4"]);
  });

  it("pairs a schedule row's date with the one lecture it names, so a date finds the lecture", () => {
    const glossary = mineGlossary([
      "| 週次 | 日期 | 主題 | 講義 |\n|---|---|---|---|\n| 5 | 10/5 | Chat template | 第三講；HW2 公布 |\n" +
        "| 9 | 11/2 | 檢索增強生成 | 第 6 講 |\n| 10 | 11/9 | 實作課 | 第 6、7 講 |\n| 11 | 11/16 | 微調 | 第 7 講 |\n",
      "期中考在 11/16 之後，範圍到第 7 講。",
    ]);
    const groups = glossary.groups.map((group) => [...group].sort());
    expect(groups).toContainEqual(["10/5", "第3講"]);
    expect(groups).toContainEqual(["11/2", "第6講"]);
    expect(groups).toContainEqual(["11/16", "第7講"]);
    // A row naming two lectures says nothing about which one a date means; prose is no schedule.
    expect(groups.flat()).not.toContain("11/9");
    expect(glossaryExpansion("11/2上課講的RRF 公式", glossary)).toBe("第6講");
    expect(glossaryExpansion("1/2 那天的作業", glossary)).toBe("");
  });

  it("expands a question with the synonyms it does not use yet", () => {
    const glossary = mineGlossary(["檢索增強生成（RAG）"]);
    expect(glossaryExpansion("RAG 是什麼？", glossary)).toBe("檢索增強生成");
    expect(glossaryExpansion("檢索增強生成怎麼做", glossary)).toBe("rag");
    expect(glossaryExpansion("ragged arrays", glossary)).toBe("");
  });
});

describe("the staff glossary file", () => {
  it("reads a list of groups or a map, normalized like search terms", () => {
    const fromList = parseGlossary("- [HW4, 作業四]\n- [LLM, 大型語言模型, large language model]\n");
    expect(fromList.groups.map((group) => [...group].sort())).toEqual([
      ["hw4", "作業4"],
      ["large language model", "llm", "大型語言模型"],
    ]);
    const fromMap = parseGlossary("LLM: [大型語言模型]\nRAG: 檢索增強生成\n");
    expect(glossaryExpansion("大型語言模型是什麼", fromMap)).toBe("llm");
    expect(glossaryExpansion("ＲＡＧ", fromMap)).toBe("檢索增強生成");
  });

  it("says what is wrong with a malformed file", () => {
    expect(() => parseGlossary("- [HW4]\n", "glossary.yaml")).toThrow(/glossary.yaml: group 1 .*two terms/);
    expect(() => parseGlossary("- [a, b\n", "glossary.yaml")).toThrow(/not valid YAML/);
  });

  it("is optional by default and required when GLOSSARY_FILE names it", async () => {
    const corpusDir = tempDir();
    expect((await loadStaffGlossary(loadConfig({ CORPUS_DIR: corpusDir }))).groups).toEqual([]);
    await expect(
      loadStaffGlossary(
        loadConfig({ CORPUS_DIR: corpusDir, GLOSSARY_FILE: join(corpusDir, "missing.yaml") }),
      ),
    ).rejects.toThrow(/GLOSSARY_FILE=.*missing.yaml cannot be read/);
    writeFileSync(join(corpusDir, "glossary.yaml"), "- [期中考, midterm]\n");
    const loaded = await loadStaffGlossary(loadConfig({ CORPUS_DIR: corpusDir }));
    expect(loaded.groups).toHaveLength(1);
    expect(
      (await loadStaffGlossary(loadConfig({ CORPUS_DIR: corpusDir, GLOSSARY_FILE: "none" }))).groups,
    ).toEqual([]);
  });
});

const SYLLABUS = `---
title: 課程大綱
---
# 作業列表與截止時間

| 作業 | 主題 | 截止時間 |
|---|---|---|
| HW3 | 取樣實驗 | 11/5（四）23:59 |
| HW4 | 小型 RAG 問答系統 | 11/26（四）23:59 |

# 期末專題時程

期末專題的提案在 12/7 截止，期末報告在 1/11 截止，什麼時候要交都寫在這裡。
`;

describe("retrieval with course vocabulary (real LanceDB)", () => {
  it("finds the HW4 row for 「作業四什麼時候截止？」", async () => {
    const retriever = await retrieverOver({ "syllabus.md": SYLLABUS });
    const result = await retriever.retrieve("作業四什麼時候截止？");
    expect(result.passages[0]!.chunk.text).toContain("HW4");
    expect(result.queryTerms.split(" ")).toContain("hw4");
  });

  it("expands a question with a staff synonym the material uses instead", async () => {
    const files = {
      "notes.md":
        "# 評量\n\n期中考在第九週舉行，範圍是第一到第六講。\n\n# 其他\n\n期末專題分組進行，每組三人。\n",
    };
    const without = await retrieverOver(files);
    expect((await without.retrieve("When is the midterm?")).passages).toHaveLength(0);
    const withGlossary = await retrieverOver(files, parseGlossary("- [midterm, 期中考]\n"));
    const found = await withGlossary.retrieve("When is the midterm?");
    expect(found.passages[0]!.chunk.text).toContain("期中考在第九週");
  });

  it("finds lecture 3 notes for 「第三講」 though the passage never says so (contextual header)", async () => {
    const lecture = (number: number, topic: string, body: string) =>
      `---\ntitle: ${topic}\nlecture: ${number}\n---\n\n## 重點\n\n${body}\n`;
    const retriever = await retrieverOver({
      "lectures/a.md": lecture(2, "自迴歸生成", "模型一次產生一個詞，再把它接回輸入，重複直到結束。"),
      "lectures/b.md": lecture(3, "對話格式", "訊息分成系統、使用者與助理三種角色，每段前後加上特殊標記。"),
      "lectures/c.md": lecture(4, "脈絡工程", "把說明、範例與參考資料排進提示，模型看得到的才算數。"),
    });
    for (const question of ["第三講在講什麼？", "Lecture 3 的重點", "第 3 講"]) {
      const result = await retriever.retrieve(question);
      expect(result.passages[0]!.chunk.documentPath, question).toBe("lectures/b.md");
      expect(result.passages[0]!.chunk.text).not.toMatch(/第三講|第 ?3 ?講|lecture/i);
    }
    const byTitle = await retriever.retrieve("對話格式那一講說了什麼");
    expect(byTitle.passages[0]!.chunk.documentPath).toBe("lectures/b.md");
  });
});

describe("retrieval with misspelt English (real LanceDB)", () => {
  it("finds the passage a misspelt or run-together course word names", async () => {
    const retriever = await retrieverOver({
      "sampling.md":
        "# 取樣\n\n溫度 temperature 大於 1 時會拉近彼此的機率，小於 1 時會拉開。\n\n# 其他\n\n作業繳交請用 NTU COOL。\n",
      "tools.md":
        "# 工具\n\nHugging Face 有點像是模型的臉書，大家把模型放上去分享。\n\n# 課程\n\n本課程每週三上課。\n",
    });
    const typo = await retriever.retrieve("temperture 調比1大會變怎樣");
    expect(typo.passages[0]!.chunk.text).toContain("拉近彼此的機率");
    expect(typo.queryTerms.split(" ")).toContain("temperature");
    const joined = await retriever.retrieve("huggingface 老師覺得像什麼");
    expect(joined.passages[0]!.chunk.text).toContain("模型的臉書");
  });
});
