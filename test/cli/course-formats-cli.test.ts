/** npm run ingest + npm run search over slides, Word, notebooks and web pages, as child processes. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.ts";
import { writeDocx, writeNotebook, writePptx } from "../helpers/course-files.ts";
import { type SourceSite, startSourceSite } from "../helpers/source-site.ts";

interface Hit {
  source: string;
  location: string;
  link: string;
  text: string;
}

describe("every course format through npm run ingest and npm run search", () => {
  let root: string;
  let env: Record<string, string>;
  let site: SourceSite;
  const put = (path: string, content: string | Buffer) => {
    const full = join(root, "corpus", path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  };
  /** One search process for every question (each start costs seconds): the top hits per question. */
  const searchAll = async (questions: string[]): Promise<Hit[][]> => {
    const file = join(root, "questions.txt");
    writeFileSync(file, questions.join("\n"));
    const result = await runCli("search", ["--k", "3", "--queries", file], env);
    expect(result.code, result.stderr).toBe(0);
    return result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Hit[]);
  };

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "formats-cli-"));
    // The course website: one page on a local server (allowed only because SOURCES_ALLOW_PRIVATE=true).
    site = await startSourceSite();
    site.pages.set("/news.html", {
      etag: "news-1",
      body: `<html><body><nav>選單</nav><main><h2 id="exam">期中考地點</h2><p>期中考改在博雅教學館舉行。</p></main></body></html>`,
    });
    writeFileSync(join(root, "sources.yaml"), `- url: ${site.baseUrl}/news.html\n  title: 課程公告\n`);
    env = {
      CORPUS_DIR: join(root, "corpus"),
      DATA_DIR: join(root, "data"),
      EMBED_MODEL: "none",
      CHUNK_SIZE: "200",
      CORPUS_SOURCES: join(root, "sources.yaml"),
      SOURCES_ALLOW_PRIVATE: "true",
    };
    put(
      "slides/week3.pptx",
      await writePptx([
        { title: "第三講", body: ["反向傳播"] },
        { title: "梯度消失", body: ["深層網路的梯度消失問題"], notes: "這裡舉殘差連接當例子" },
        { title: "長篇", body: ["注意力機制讓模型在產生每個字時回頭看輸入的每個位置。".repeat(16)] },
      ]),
    );
    put(
      "rules/rubric.docx",
      await writeDocx([
        { heading: "評分辦法" },
        { text: "本課程的成績由作業與期末專題組成，每份作業都有公開的評分標準。".repeat(12) },
        { heading: "期末專題評分", level: 2 },
        {
          table: [
            ["評分項目", "比例"],
            ["口頭報告", "百分之四十"],
          ],
        },
      ]),
    );
    put(
      "hw/hw2.ipynb",
      writeNotebook([
        { markdown: "# 作業二\n\n## 微調模型\n使用 LoRA 微調小型語言模型。" },
        { code: "trainer.train(learning_rate=3e-4)", output: "訓練完成\n" },
      ]),
    );
    put("hw/hw2.meta.json", JSON.stringify({ url: "https://colab.research.google.com/drive/hw2-colab" }));
    put(
      "site/faq.html",
      `<html><head><title>常見問題</title><link rel="canonical" href="https://course.example.edu/faq.html"></head>
       <body><nav>導覽列</nav><main><h1>常見問題</h1>
       <h2 id="makeup-exam">可以補考嗎</h2><p>因病缺考可以申請補考，請附上診斷證明。</p></main></body></html>`,
    );
  });
  afterAll(async () => {
    await site?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("ingests each format and finds its text with the right source, location and link", async () => {
    const ingest = await runCli("ingest", [], env);
    expect(ingest.code, ingest.stderr).toBe(0);
    expect(ingest.stdout).toMatch(/5 added, 0 updated, 0 unchanged, 0 removed, 0 failed/);

    const [slides, attention, rubric, notebooks, code, faq, furniture, web] = await searchAll([
      "殘差連接",
      "注意力機制",
      "口頭報告佔百分之四十",
      "LoRA 微調",
      "trainer.train",
      "補考 診斷證明",
      "導覽列",
      "期中考 博雅教學館",
    ]);
    const slide = slides[0];
    expect(slide).toMatchObject({ source: "slides/week3.pptx", location: "第 1–2 張投影片", link: "" });
    expect(slide.text).toContain("梯度消失");
    expect(attention[0]).toMatchObject({ source: "slides/week3.pptx", location: "第 3 張投影片" });

    expect(rubric[0]).toMatchObject({
      source: "rules/rubric.docx",
      location: "期末專題評分",
    });
    expect(notebooks[0]).toMatchObject({
      source: "hw/hw2.ipynb",
      location: "作業二 > 微調模型",
      link: "https://colab.research.google.com/drive/hw2-colab",
    });
    expect(code[0].text).toContain("```python\ntrainer.train(learning_rate=3e-4)\n```");
    expect(faq[0]).toMatchObject({
      source: "site/faq.html",
      location: "可以補考嗎",
      link: "https://course.example.edu/faq.html#makeup-exam",
    });
    expect(web[0]).toMatchObject({
      source: `${site.baseUrl}/news.html`,
      location: "期中考地點",
      link: `${site.baseUrl}/news.html#exam`,
    });
    expect(furniture.some((hit) => hit.source === "site/faq.html")).toBe(false);
  }, 60_000);

  it("names a file that cannot be parsed, with the reason, and keeps its previous version searchable", async () => {
    put("slides/week3.pptx", Buffer.from("PK\u0003\u0004 truncated"));
    const ingest = await runCli("ingest", [], env);
    expect(ingest.code).toBe(1);
    expect(ingest.stderr).toMatch(/failed: slides\/week3\.pptx: .*not a readable PowerPoint file/);
    // The web page was asked for conditionally and answered 304: unchanged, like the other files.
    expect(ingest.stdout).toMatch(/0 added, 0 updated, 4 unchanged, 0 removed, 1 failed; 0 chunks written/);
    expect(site.requests.at(-1)).toMatchObject({ path: "/news.html", ifNoneMatch: '"news-1"' });
    expect((await searchAll(["殘差連接"]))[0][0]).toMatchObject({ source: "slides/week3.pptx" });
  }, 60_000);
});
