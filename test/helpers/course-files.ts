/**
 * Real course files of every format, generated in the test: .pptx with pptxgenjs, .docx with the
 * `docx` package, and .ipynb / .html as text. Chinese text is fine in all of them (no fonts needed).
 */
import { Document, HeadingLevel, Packer, Paragraph, Table, TableCell, TableRow, TextRun } from "docx";
import pptxModule from "pptxgenjs";

// The package's types describe a CommonJS module (the class at `.default`); its ES build exports the class itself.
const PptxGenJS = ((pptxModule as unknown as { default?: unknown }).default ??
  pptxModule) as typeof pptxModule.default;

export interface SlideSpec {
  title: string;
  body?: string[];
  table?: string[][];
  notes?: string;
}

export async function writePptx(slides: readonly SlideSpec[], title = "課程投影片"): Promise<Buffer> {
  const pptx = new PptxGenJS();
  pptx.title = title;
  for (const spec of slides) {
    const slide = pptx.addSlide();
    slide.addText(spec.title, { placeholder: "title", x: 0.5, y: 0.3, w: 9, h: 1 });
    if (spec.body) slide.addText(spec.body.join("\n"), { x: 0.5, y: 1.5, w: 9, h: 2 });
    if (spec.table)
      slide.addTable(
        spec.table.map((row) => row.map((text) => ({ text }))),
        { x: 0.5, y: 3.5, w: 9 },
      );
    if (spec.notes) slide.addNotes(spec.notes);
  }
  return (await pptx.write({ outputType: "nodebuffer" })) as Buffer;
}

export type DocxPart = { heading: string; level?: 1 | 2 } | { text: string } | { table: string[][] };

export async function writeDocx(parts: readonly DocxPart[]): Promise<Buffer> {
  const children = parts.map((part) => {
    if ("heading" in part)
      return new Paragraph({
        text: part.heading,
        heading: part.level === 2 ? HeadingLevel.HEADING_2 : HeadingLevel.HEADING_1,
      });
    if ("text" in part) return new Paragraph({ children: [new TextRun(part.text)] });
    return new Table({
      rows: part.table.map(
        (row) =>
          new TableRow({ children: row.map((text) => new TableCell({ children: [new Paragraph(text)] })) }),
      ),
    });
  });
  return Packer.toBuffer(new Document({ sections: [{ children }] }));
}

export type NotebookCell = { markdown: string } | { code: string; output?: string; image?: boolean };

export function writeNotebook(cells: readonly NotebookCell[]): Buffer {
  const lines = (text: string) => text.split(/(?<=\n)/);
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "python3", language: "python" }, language_info: { name: "python" } },
    cells: cells.map((cell) =>
      "markdown" in cell
        ? { cell_type: "markdown", metadata: {}, source: lines(cell.markdown) }
        : {
            cell_type: "code",
            metadata: {},
            execution_count: 1,
            source: lines(cell.code),
            outputs: [
              ...(cell.output ? [{ output_type: "stream", name: "stdout", text: lines(cell.output) }] : []),
              ...(cell.image
                ? [
                    {
                      output_type: "display_data",
                      data: { "image/png": "iVBORw0KGgo=", "text/plain": "<Figure>" },
                    },
                  ]
                : []),
            ],
          },
    ),
  };
  return Buffer.from(JSON.stringify(notebook, null, 1));
}
