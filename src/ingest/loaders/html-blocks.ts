/**
 * A parsed HTML tree -> text blocks, one per heading section (shared by the HTML and Word loaders).
 * Headings become locations ("作業一 > 繳交期限"), a heading's id its `#fragment`, table rows one
 * line each with cells joined by " | ". Works on linkedom's DOM.
 */
import type { TextBlock } from "../../types.ts";

// Structural DOM types, so this file does not depend on one DOM implementation's typings.
export interface DomNode {
  nodeType: number;
  nodeName: string;
  textContent: string | null;
  childNodes: ArrayLike<DomNode>;
}
interface DomElement extends DomNode {
  tagName: string;
  getAttribute(name: string): string | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
}

const TEXT_NODE = 3;
const ELEMENT_NODE = 1;
const HEADING = /^H([1-6])$/;
/** Never content: code, styling, embedded media and form controls. */
const SKIPPED = new Set([
  "SCRIPT",
  "STYLE",
  "NOSCRIPT",
  "TEMPLATE",
  "SVG",
  "CANVAS",
  "IFRAME",
  "OBJECT",
  "BUTTON",
  "SELECT",
  "INPUT",
  "TEXTAREA",
]);
/** Elements that start a new line: everything laid out as a block. */
const BLOCK = new Set([
  "P",
  "DIV",
  "SECTION",
  "ARTICLE",
  "MAIN",
  "LI",
  "UL",
  "OL",
  "DL",
  "DT",
  "DD",
  "BLOCKQUOTE",
  "PRE",
  "FIGURE",
  "FIGCAPTION",
  "HR",
  "BR",
  "ADDRESS",
  "DETAILS",
  "SUMMARY",
  "TR",
  "CAPTION",
]);

interface Section {
  path: string[];
  heading: string;
  anchor?: string;
  lines: string[];
}

/** The sections under `root`, in document order. `titleHeading`: the lone <h1> that names the page, left out of locations. */
export function htmlBlocks(root: DomNode, options: { titleHeading?: string } = {}): TextBlock[] {
  const sections: Section[] = [{ path: [], heading: "", lines: [""] }];
  const stack: { level: number; text: string }[] = [];
  const current = () => sections[sections.length - 1];
  const newLine = () => {
    const lines = current().lines;
    if (lines[lines.length - 1].trim() !== "") lines.push("");
  };
  const append = (text: string) => {
    const lines = current().lines;
    lines[lines.length - 1] += text;
  };

  const visit = (node: DomNode, preformatted: boolean) => {
    if (node.nodeType === TEXT_NODE) {
      const text = node.textContent ?? "";
      append(preformatted ? text : text.replace(/\s+/g, " "));
      return;
    }
    if (node.nodeType !== ELEMENT_NODE) return;
    const element = node as DomElement;
    const tag = element.tagName.toUpperCase();
    if (SKIPPED.has(tag) || element.getAttribute("hidden") !== null) return;
    const heading = HEADING.exec(tag);
    if (heading) {
      const level = Number(heading[1]);
      const text = collapse(element.textContent ?? "");
      if (!text) return;
      while (stack.length > 0 && stack[stack.length - 1].level >= level) stack.pop();
      const isTitle = level === 1 && text === options.titleHeading;
      if (!isTitle) stack.push({ level, text });
      sections.push({
        path: stack.map((entry) => entry.text),
        heading: text,
        anchor: anchorOf(element),
        lines: [text, ""],
      });
      return;
    }
    if (tag === "TABLE") {
      newLine();
      for (const row of Array.from(element.querySelectorAll("tr"))) {
        const cells = Array.from(row.querySelectorAll("th, td")).map((cell) =>
          collapse(cell.textContent ?? ""),
        );
        if (cells.some((cell) => cell !== "")) {
          append(cells.join(" | "));
          newLine();
        }
      }
      return;
    }
    const block = BLOCK.has(tag);
    if (block) newLine();
    if (tag === "LI") append("• ");
    const pre = preformatted || tag === "PRE";
    for (const child of Array.from(element.childNodes)) visit(child, pre);
    if (block) newLine();
  };
  visit(root, false);

  const blocks: TextBlock[] = [];
  for (const section of sections) {
    const text = section.lines
      .flatMap((line) => line.split("\n"))
      .map((line) => line.replace(/[ \u00a0]+$/g, "").replace(/^[ \u00a0]+(?=\S)/, ""))
      .join("\n")
      .replace(/\n{3,}/g, "\n\n")
      .trim();
    // A heading with nothing under it lives on in its children's paths.
    if (!text || text === section.heading) continue;
    const block: TextBlock = { text, location: section.path.join(" > ") };
    if (section.anchor) block.anchor = section.anchor;
    blocks.push(block);
  }
  return blocks;
}

/** The heading's own id, or that of an anchor inside it (`<h2><a id="x">`). */
function anchorOf(heading: DomElement): string | undefined {
  const own = heading.getAttribute("id");
  if (own) return own;
  for (const link of Array.from(heading.querySelectorAll("a[id], a[name]"))) {
    const id = link.getAttribute("id") || link.getAttribute("name");
    if (id) return id;
  }
  return undefined;
}

function collapse(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
