/**
 * HTML loader (linkedom + Mozilla Readability): the page's main content only, one block per heading
 * section, located by the heading path, linked to the heading's `#fragment` where it has an id.
 */
import { Readability } from "@mozilla/readability";
import { parseHTML } from "linkedom";
import type { LoadedDocument } from "../../types.ts";
import { titleFromPath } from "./common.ts";
import { type DomNode, htmlBlocks } from "./html-blocks.ts";

/** Site furniture, never course content: removed before the main content is chosen. */
const BOILERPLATE = [
  "script",
  "style",
  "noscript",
  "template",
  "nav",
  "header",
  "footer",
  "aside",
  "form",
  "dialog",
  "[role=navigation]",
  "[role=banner]",
  "[role=contentinfo]",
  "[role=search]",
  "[aria-hidden=true]",
  "[hidden]",
].join(", ");

/** Parses normalized HTML text. */
export function loadHtml(path: string, text: string): LoadedDocument {
  const { document } = parseHTML(text);
  const title =
    metaContent(document, 'meta[property="og:title"]') ||
    collapse(document.querySelector("title")?.textContent ?? "") ||
    collapse(document.querySelector("h1")?.textContent ?? "") ||
    titleFromPath(path);
  const canonical = document.querySelector('link[rel="canonical"]')?.getAttribute("href") ?? "";
  for (const element of Array.from(document.querySelectorAll(BOILERPLATE))) element.remove();

  const root = mainContent(document);
  const headings = Array.from(root.querySelectorAll("h1"));
  const titleHeading = headings.length === 1 ? collapse(headings[0].textContent ?? "") : undefined;
  const doc: LoadedDocument = {
    path,
    title,
    format: "html",
    blocks: htmlBlocks(root as unknown as DomNode, { titleHeading }),
  };
  if (/^https?:\/\//i.test(canonical)) doc.url = canonical;
  return doc;
}

type HtmlDocument = ReturnType<typeof parseHTML>["document"];

/**
 * The page's own marked-up main content (<main>, role=main, a single <article>) when it has one;
 * otherwise what Readability picks as the article; otherwise the whole body.
 */
function mainContent(document: HtmlDocument): Element {
  const marked =
    document.querySelector("main, [role=main]") ??
    (document.querySelectorAll("article").length === 1 ? document.querySelector("article") : null);
  if (marked) return marked as unknown as Element;
  // Readability changes the document it reads: give it a copy, so the body stays as a fallback.
  const copy = parseHTML(document.toString()).document;
  const article = new Readability(copy as unknown as Document, { keepClasses: false }).parse();
  if (article?.content && collapse(article.textContent ?? "").length > 0) {
    return parseHTML(`<html><body>${article.content}</body></html>`).document.body as unknown as Element;
  }
  return (document.body ?? document.documentElement) as unknown as Element;
}

function metaContent(document: HtmlDocument, selector: string): string {
  return collapse(document.querySelector(selector)?.getAttribute("content") ?? "");
}

function collapse(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
