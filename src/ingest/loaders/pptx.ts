/**
 * PowerPoint loader (JSZip reads the package, fast-xml-parser the slide XML): one block per slide with
 * its title, body text, tables (one row a line, cells joined by " | ") and speaker notes, located
 * 「第 N 張投影片」 in presentation order.
 */
import { XMLParser } from "fast-xml-parser";
import type { LoadedDocument, TextBlock } from "../../types.ts";
import { slideLocation } from "../locations.ts";
import { normalizeText } from "../text/normalize.ts";
import { parseFailed, titleFromPath } from "./common.ts";
import { OfficePackage } from "./office-package.ts";

/** With preserveOrder, each node is `{ tagName: children, ":@"?: attributes }`. */
type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  // Prefixes stay on attributes: a slide list entry has both `id` and `r:id`.
  removeNSPrefix: false,
  trimValues: false,
  parseTagValue: false,
});

const TITLE_PLACEHOLDERS = new Set(["title", "ctrTitle"]);
/** Placeholders on a notes page that are not the notes: slide image, number, date, header, footer. */
const NOTES_FURNITURE = new Set(["sldImg", "sldNum", "dt", "hdr", "ftr"]);

export async function loadPptx(path: string, content: Buffer): Promise<LoadedDocument> {
  const zip = await OfficePackage.open(path, content, "PowerPoint file");
  const slidePaths = await slideOrder(zip);
  if (slidePaths.length === 0) throw parseFailed(path, "no slides found (is it a .pptx presentation?)");

  const blocks: TextBlock[] = [];
  for (const [index, slidePath] of slidePaths.entries()) {
    const slide = await readXml(zip, slidePath);
    if (!slide) continue;
    const { title, body } = slideText(slide);
    const notesPath = await relatedPart(zip, slidePath, "/notesSlide");
    const notesXml = notesPath ? await readXml(zip, notesPath) : undefined;
    const notes = notesXml ? notesText(notesXml) : "";
    const text = [title, body, notes ? `備註：${notes}` : ""].filter((part) => part !== "").join("\n");
    const number = index + 1;
    if (text.trim()) blocks.push({ text: tidy(text), location: slideLocation(number), slide: number });
  }
  const core = await readXml(zip, "docProps/core.xml");
  const coreTitle = core ? collapse(textOf(findAll(core, "title")[0] ?? {})) : "";
  return { path, title: coreTitle || titleFromPath(path), format: "pptx", blocks };
}

/** Slide part paths in presentation order (presentation.xml's slide list, through its relationships). */
async function slideOrder(zip: OfficePackage): Promise<string[]> {
  const presentation = await readXml(zip, "ppt/presentation.xml");
  const relations = await relationships(zip, "ppt/presentation.xml");
  const ordered = presentation
    ? findAll(presentation, "sldId")
        .map((node) => relations.get(attributes(node)["r:id"] ?? "")?.target)
        .filter((target): target is string => target !== undefined && zip.has(target))
    : [];
  if (ordered.length > 0) return ordered;
  // No usable list: slide1.xml, slide2.xml, ... by number.
  return zip
    .partNames()
    .filter((name) => /^ppt\/slides\/slide\d+\.xml$/.test(name))
    .sort((a, b) => Number(a.match(/\d+/g)?.pop()) - Number(b.match(/\d+/g)?.pop()));
}

async function relatedPart(
  zip: OfficePackage,
  partPath: string,
  typeSuffix: string,
): Promise<string | undefined> {
  for (const relation of (await relationships(zip, partPath)).values()) {
    if (relation.type.endsWith(typeSuffix)) return relation.target;
  }
  return undefined;
}

/** A part's relationships by id, targets resolved to package paths. */
async function relationships(
  zip: OfficePackage,
  partPath: string,
): Promise<Map<string, { type: string; target: string }>> {
  const folder = partPath.slice(0, partPath.lastIndexOf("/"));
  const name = partPath.slice(partPath.lastIndexOf("/") + 1);
  const xml = await readXml(zip, `${folder}/_rels/${name}.rels`);
  const result = new Map<string, { type: string; target: string }>();
  for (const node of xml ? findAll(xml, "Relationship") : []) {
    const { Id, Type, Target, TargetMode } = attributes(node);
    if (!Id || !Target || TargetMode === "External") continue;
    result.set(Id, { type: Type ?? "", target: resolvePath(folder, Target) });
  }
  return result;
}

function resolvePath(folder: string, target: string): string {
  const parts = target.startsWith("/") ? [] : folder.split("/");
  for (const segment of target.replace(/^\//, "").split("/")) {
    if (segment === "..") parts.pop();
    else if (segment !== ".") parts.push(segment);
  }
  return parts.join("/");
}

async function readXml(zip: OfficePackage, partPath: string): Promise<XmlNode[] | undefined> {
  const xml = await zip.text(partPath);
  return xml === undefined ? undefined : (parser.parse(xml) as XmlNode[]);
}

/** The title placeholder's text, and every other shape's paragraphs and table rows in order. */
function slideText(slide: XmlNode[]): { title: string; body: string } {
  const titles: string[] = [];
  const lines: string[] = [];
  walk(slide, (tag, node) => {
    if (tag === "sp") {
      const text = paragraphs(node);
      if (TITLE_PLACEHOLDERS.has(placeholderType(node) ?? "")) titles.push(text.join(" "));
      else lines.push(...text);
      return false;
    }
    if (tag === "tbl") {
      for (const row of findAll(children(node), "tr")) {
        const cells = findAll(children(row), "tc").map((cell) => paragraphs(cell).join(" "));
        if (cells.some((cell) => cell !== "")) lines.push(cells.join(" | "));
      }
      return false;
    }
    return true;
  });
  return { title: collapse(titles.join(" ")), body: lines.filter((line) => line !== "").join("\n") };
}

/** The notes page's body placeholders (what the speaker wrote), not its slide image or page number. */
function notesText(notes: XmlNode[]): string {
  const lines: string[] = [];
  walk(notes, (tag, node) => {
    if (tag !== "sp") return true;
    if (!NOTES_FURNITURE.has(placeholderType(node) ?? "")) lines.push(...paragraphs(node));
    return false;
  });
  return lines.filter((line) => line !== "").join("\n");
}

function placeholderType(shape: XmlNode): string | undefined {
  const placeholder = findAll(children(shape), "ph")[0];
  if (!placeholder) return undefined;
  return attributes(placeholder).type ?? "body";
}

/** Each <a:p> under the node as one line of its runs' text (line breaks kept). */
function paragraphs(node: XmlNode): string[] {
  return findAll(children(node), "p").map((paragraph) => {
    let line = "";
    walk(children(paragraph), (tag, child) => {
      if (tag === "t") line += textOf(child);
      else if (tag === "br") line += "\n";
      return tag !== "t";
    });
    return line.trim();
  });
}

/** Depth-first over elements; `visit` returns false to skip a node's children. */
function walk(nodes: XmlNode[], visit: (tag: string, node: XmlNode) => boolean): void {
  for (const node of nodes) {
    const tag = tagOf(node);
    if (!tag || tag === "#text") continue;
    if (visit(tag, node)) walk(children(node), visit);
  }
}

/** Every element with this tag at any depth (not looking inside a match). */
function findAll(nodes: XmlNode[], tag: string): XmlNode[] {
  const found: XmlNode[] = [];
  walk(nodes, (current, node) => {
    if (current !== tag) return true;
    found.push(node);
    return false;
  });
  return found;
}

/** The element's local name ("a:t" -> "t"). */
function tagOf(node: XmlNode): string | undefined {
  const key = keyOf(node);
  return key?.slice(key.indexOf(":") + 1);
}

function keyOf(node: XmlNode): string | undefined {
  return Object.keys(node).find((key) => key !== ":@");
}

function children(node: XmlNode): XmlNode[] {
  const key = keyOf(node);
  const value = key ? node[key] : undefined;
  return Array.isArray(value) ? (value as XmlNode[]) : [];
}

function attributes(node: XmlNode): Record<string, string> {
  return (node[":@"] as Record<string, string> | undefined) ?? {};
}

function textOf(node: XmlNode): string {
  return children(node)
    .map((child) =>
      typeof child["#text"] === "string" || typeof child["#text"] === "number" ? String(child["#text"]) : "",
    )
    .join("");
}

function collapse(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function tidy(text: string): string {
  return normalizeText(text)
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .join("\n");
}
