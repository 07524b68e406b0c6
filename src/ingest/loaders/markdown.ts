/** Markdown loader: optional YAML front matter, one block per heading section. */
import { parse as parseYaml } from "yaml";
import type { LoadedDocument, TextBlock } from "../../types.ts";
import { parseFailed, titleFromPath } from "./common.ts";

const FRONT_MATTER = /^---[ \t]*\n(?:([\s\S]*?)\n)?(?:---|\.\.\.)[ \t]*(?:\n|$)/;
export const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

// Front matter keys, English or Chinese, in order of preference.
export const TITLE_KEYS = ["title", "標題"];
export const URL_KEYS = ["url", "video", "影片", "網址", "連結"];
export const LECTURE_KEYS = ["lecture", "時間", "講次"];

interface Section {
  /** Heading texts from the outermost level down to this section's own heading. */
  path: string[];
  /** 1-6 for "#" to "######"; 0 for the text before the first heading. */
  level: number;
  heading: string;
  lines: string[];
}

/** Parses normalized Markdown text into a document. */
export function loadMarkdown(path: string, text: string): LoadedDocument {
  const { data, body } = splitFrontMatter(path, text);
  const sections = splitSections(body);
  const topSections = sections.filter((section) => section.level === 1 && section.heading);
  const firstHeadingSection = sections.find((section) => section.level > 0);
  // A lone "#" heading that opens the document names the document; it is not a part of its outline.
  const titleSection =
    topSections.length === 1 && topSections[0] === firstHeadingSection ? topSections[0] : undefined;
  const title = pickString(data, TITLE_KEYS) ?? topSections[0]?.heading ?? titleFromPath(path);

  const blocks: TextBlock[] = [];
  for (const section of sections) {
    const content = cleanBody(section.lines);
    if (!content) continue; // A heading with no text of its own lives on in its children's paths.
    const underTitle = titleSection !== undefined && section.path[0] === titleSection.heading;
    const headingPath = underTitle ? section.path.slice(1) : section.path;
    const heading = section === titleSection && section.heading === title ? "" : section.heading;
    blocks.push({ text: heading ? `${heading}\n${content}` : content, location: headingPath.join(" > ") });
  }

  const doc: LoadedDocument = { path, title, format: "md", blocks };
  const url = pickString(data, URL_KEYS);
  const lecture = pickString(data, LECTURE_KEYS);
  if (url) doc.url = url;
  if (lecture) doc.lecture = lecture;
  return doc;
}

export function splitFrontMatter(
  path: string,
  text: string,
): { data: Record<string, unknown>; body: string } {
  const match = FRONT_MATTER.exec(text);
  if (!match) return { data: {}, body: text };
  let data: unknown;
  try {
    data = parseYaml(match[1] ?? "");
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw parseFailed(path, `the front matter is not valid YAML (${reason})`, error);
  }
  if (data !== null && (typeof data !== "object" || Array.isArray(data))) {
    throw parseFailed(path, "the front matter must be a list of `key: value` lines");
  }
  return { data: (data ?? {}) as Record<string, unknown>, body: text.slice(match[0].length) };
}

/** First non-empty scalar among the keys (English keys match case-insensitively). */
export function pickString(data: Record<string, unknown>, keys: string[]): string | undefined {
  for (const key of keys) {
    const entry = Object.entries(data).find(([name]) => name.trim().toLowerCase() === key);
    const value = entry?.[1];
    if (typeof value === "string" && value.trim()) return value.trim();
    if (typeof value === "number" || value instanceof Date) {
      return value instanceof Date ? value.toISOString().slice(0, 10) : String(value);
    }
  }
  return undefined;
}

function splitSections(body: string): Section[] {
  const sections: Section[] = [{ path: [], level: 0, heading: "", lines: [] }];
  const stack: { level: number; text: string }[] = [];
  let openFence: string | undefined;
  for (const line of body.split("\n")) {
    const current = sections[sections.length - 1];
    const fence = FENCE.exec(line);
    if (fence) {
      // A fence closes only with the same character, at least as long; "#" inside code is not a heading.
      if (!openFence) openFence = fence[1];
      else if (fence[1][0] === openFence[0] && fence[1].length >= openFence.length) openFence = undefined;
      continue;
    }
    const heading = openFence ? null : HEADING.exec(line);
    if (!heading) {
      current.lines.push(line);
      continue;
    }
    const level = heading[1].length;
    const text = cleanInline(heading[2] ?? "").trim();
    while (stack.length > 0 && stack[stack.length - 1].level >= level) stack.pop();
    if (text) stack.push({ level, text });
    sections.push({ path: stack.map((entry) => entry.text), level, heading: text, lines: [] });
  }
  return sections;
}

/** Markdown syntax a reader does not say aloud: comments, link targets, emphasis, table rules. */
export function cleanBody(lines: string[]): string {
  return cleanInline(lines.join("\n"))
    .replace(/<!--[\s\S]*?-->/g, "")
    .split("\n")
    .filter((line) => !/^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/.test(line))
    .map((line) => line.replace(/^\s{0,3}>\s?/, "").trimEnd())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

function cleanInline(text: string): string {
  return text
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1")
    .replace(/\[\[([^\]|]+)\|([^\]]+)\]\]/g, "$2")
    .replace(/\[\[([^\]]+)\]\]/g, "$1")
    .replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, "$2");
}
