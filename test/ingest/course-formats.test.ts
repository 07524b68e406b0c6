/** The .pptx, .docx, .ipynb and .html loaders on real files generated here. */
import { describe, expect, it } from "vitest";
import { AppError } from "../../src/errors.ts";
import { chunkDocument } from "../../src/ingest/chunker.ts";
import { loadDocument, SUPPORTED_EXTENSIONS } from "../../src/ingest/loaders/index.ts";
import { writeDocx, writeNotebook, writePptx } from "../helpers/course-files.ts";

async function parseFailure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe("parse_failed");
  return error as AppError;
}

describe("the new formats", () => {
  it("are supported extensions", () => {
    for (const extension of [".pptx", ".docx", ".ipynb", ".html", ".htm"])
      expect(SUPPORTED_EXTENSIONS).toContain(extension);
  });
});

describe("pptx loader", () => {
  it("reads titles, body, tables and speaker notes, one block per slide in order", async () => {
    const content = await writePptx(
      [
        { title: "生成式 AI 導論", body: ["第一講", "課程介紹"] },
        {
          title: "評分方式",
          table: [
            ["項目", "配分"],
            ["作業", "60%"],
          ],
          notes: "提醒同學遲交會扣分",
        },
      ],
      "第一週投影片",
    );
    const doc = await loadDocument("slides/week1.pptx", content);
    expect(doc).toMatchObject({ path: "slides/week1.pptx", format: "pptx", title: "第一週投影片" });
    expect(doc.blocks).toEqual([
      { text: "生成式 AI 導論\n第一講\n課程介紹", location: "第 1 張投影片", slide: 1 },
      {
        text: "評分方式\n項目 | 配分\n作業 | 60%\n備註：提醒同學遲交會扣分",
        location: "第 2 張投影片",
        slide: 2,
      },
    ]);
  });

  it("names the range when a passage joins short slides, and one slide when it does not", async () => {
    const long = "模型在訓練時會不斷調整參數，讓預測更接近正確答案。".repeat(20);
    const content = await writePptx([
      { title: "封面" },
      { title: "短一", body: ["溫度"] },
      { title: "短二", body: ["Top-p"] },
      { title: "長篇", body: [long] },
    ]);
    const chunks = chunkDocument(await loadDocument("s.pptx", content));
    expect(chunks[0].location).toBe("第 1–3 張投影片");
    expect(chunks[0].text).toContain("Top-p");
    expect(chunks.slice(1).every((chunk) => chunk.location === "第 4 張投影片")).toBe(true);
  });

  it("names the file and the reason for a broken presentation", async () => {
    const error = await parseFailure(loadDocument("slides/bad.pptx", Buffer.from("not a zip")));
    expect(error.message).toMatch(/slides\/bad\.pptx.*PowerPoint/);
  });
});

describe("docx loader", () => {
  it("makes headings locations and keeps tables as rows", async () => {
    const content = await writeDocx([
      { heading: "作業規則" },
      { text: "遲交一天扣百分之十。" },
      { heading: "評分標準", level: 2 },
      {
        table: [
          ["項目", "配分"],
          ["報告", "40"],
        ],
      },
      { heading: "聯絡方式", level: 2 },
      { text: "請寄信給助教。" },
    ]);
    const doc = await loadDocument("rules/hw.docx", content);
    expect(doc).toMatchObject({ format: "docx", title: "作業規則" });
    expect(doc.blocks).toEqual([
      { text: "作業規則\n遲交一天扣百分之十。", location: "" },
      { text: "評分標準\n項目 | 配分\n報告 | 40", location: "評分標準" },
      { text: "聯絡方式\n請寄信給助教。", location: "聯絡方式" },
    ]);
  });

  it("names the file and the reason for a broken document", async () => {
    const error = await parseFailure(loadDocument("rules/bad.docx", Buffer.from("PK not really")));
    expect(error.message).toMatch(/rules\/bad\.docx.*Word/);
  });
});

describe("ipynb loader", () => {
  it("keeps Markdown and code, drops long or non-text outputs, locates by heading, reads front matter", async () => {
    const content = writeNotebook([
      {
        markdown:
          "---\ntitle: HW2 作業\ncolab: https://colab.research.google.com/drive/hw2\n---\n# 作業二\n訓練一個小模型。",
      },
      { markdown: "## 載入資料" },
      { code: "import torch\nprint(__name__)", output: "__main__\n" },
      { code: "for step in range(1000):\n    print(step)", output: "0\n".repeat(400) },
      { code: "plot(losses)", image: true },
    ]);
    const doc = await loadDocument("hw/hw2.ipynb", content);
    expect(doc).toMatchObject({
      format: "ipynb",
      title: "HW2 作業",
      url: "https://colab.research.google.com/drive/hw2",
    });
    expect(doc.blocks).toEqual([
      { text: "作業二\n訓練一個小模型。", location: "作業二" },
      {
        text: "```python\nimport torch\nprint(__name__)\n```\n輸出：\n__main__",
        location: "作業二 > 載入資料",
      },
      { text: "```python\nfor step in range(1000):\n    print(step)\n```", location: "作業二 > 載入資料" },
      { text: "```python\nplot(losses)\n```", location: "作業二 > 載入資料" },
    ]);
  });

  it("names the file and the reason for a file that is not a notebook", async () => {
    expect((await parseFailure(loadDocument("hw/x.ipynb", Buffer.from("{oops")))).message).toMatch(
      /hw\/x\.ipynb.*JSON/,
    );
    expect((await parseFailure(loadDocument("hw/y.ipynb", Buffer.from("{}")))).message).toMatch(/cells/);
  });
});

describe("html loader", () => {
  const page = (main: string) => `<!doctype html><html><head><title>HW1 作業說明</title>
    <link rel="canonical" href="https://course.example.edu/hw1.html"></head><body>
    <header>課程網站頁首</header><nav><a href="/">首頁</a> 導覽列</nav>
    ${main}
    <footer>版權所有 2026</footer><script>var tracking = "追蹤碼";</script></body></html>`;

  it("keeps the main content only, with heading locations and fragments", async () => {
    const doc = await loadDocument(
      "site/hw1.html",
      Buffer.from(
        page(`<main><h1>作業一</h1><p>本作業練習提示工程。</p>
          <h2 id="deadline">繳交期限</h2><p>十月一日 23:59 前繳交。</p>
          <h3><a id="late"></a>遲交</h3><ul><li>一天扣 10%</li><li>三天不收</li></ul>
          <table><tr><th>項目</th><th>分數</th></tr><tr><td>報告</td><td>60</td></tr></table></main>`),
      ),
    );
    expect(doc).toMatchObject({
      format: "html",
      title: "HW1 作業說明",
      url: "https://course.example.edu/hw1.html",
    });
    expect(doc.blocks).toEqual([
      { text: "作業一\n本作業練習提示工程。", location: "" },
      { text: "繳交期限\n十月一日 23:59 前繳交。", location: "繳交期限", anchor: "deadline" },
      {
        text: "遲交\n• 一天扣 10%\n• 三天不收\n項目 | 分數\n報告 | 60",
        location: "繳交期限 > 遲交",
        anchor: "late",
      },
    ]);
    const all = doc.blocks.map((block) => block.text).join("\n");
    for (const furniture of ["導覽列", "頁首", "版權所有", "追蹤碼"]) expect(all).not.toContain(furniture);
  });

  it("finds the article in a page without <main>", async () => {
    const paragraph =
      "大型語言模型的訓練分成預訓練、微調與人類回饋強化學習三個階段，每個階段的資料與目標都不同。";
    const doc = await loadDocument(
      "site/notes.html",
      Buffer.from(
        page(`<div class="sidebar"><a href="/a">連結一</a></div>
          <div class="post"><h2 id="stages">訓練階段</h2><p>${paragraph}</p><p>${paragraph}</p><p>${paragraph}</p></div>`),
      ),
    );
    const stages = doc.blocks.find((block) => block.location === "訓練階段");
    expect(stages?.anchor).toBe("stages");
    expect(stages?.text).toContain("人類回饋強化學習");
    expect(doc.blocks.map((block) => block.text).join("\n")).not.toContain("導覽列");
  });
});
