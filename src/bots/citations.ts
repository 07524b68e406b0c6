/**
 * Citation formatting (pure). runChat numbers passages [1], [2] … in array order (see
 * prompt/passages.ts), so citation n is passages[n - 1].
 */
import type { Passage } from "../types.ts";

export interface CitationSource {
  /** The [n] the answer uses. */
  number: number;
  title: string;
  location: string;
  /** "" when the passage has no link. */
  link: string;
}

/** Uncited passages shown as "related" when an answer cites none. */
const RELATED_WHEN_UNCITED = 3;

const CITATION_GROUP = /\[(\d{1,3}(?:\s*[,，、]\s*\d{1,3})*)\]/g;

/** The citation numbers an answer uses, in first-use order. */
export function citedNumbers(answer: string): number[] {
  const numbers: number[] = [];
  for (const match of answer.matchAll(CITATION_GROUP)) {
    // "[1](https://…)" is a markdown link, not a citation.
    if (answer[match.index + match[0].length] === "(") continue;
    for (const part of match[1]!.split(/\s*[,，、]\s*/)) {
      const number = Number(part);
      if (!numbers.includes(number)) numbers.push(number);
    }
  }
  return numbers;
}

/**
 * The sources to show under an answer: the passages it cites (unknown numbers ignored), or, when it
 * cites none, the top few passages as related reading.
 */
export function selectCitations(
  answer: string,
  passages: readonly Passage[],
): {
  sources: CitationSource[];
  cited: boolean;
} {
  const toSource = (number: number): CitationSource => {
    const { title, location, link } = passages[number - 1]!.chunk;
    return { number, title: oneLine(title), location: oneLine(location), link: link.trim() };
  };
  const cited = citedNumbers(answer)
    .filter((number) => number >= 1 && number <= passages.length)
    .sort((a, b) => a - b);
  if (cited.length > 0) return { sources: cited.map(toSource), cited: true };
  const related = passages.slice(0, RELATED_WHEN_UNCITED).map((_, index) => toSource(index + 1));
  return { sources: related, cited: false };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function label(source: CitationSource): string {
  return [source.title, source.location].filter(Boolean).join(" · ");
}

/** Discord markdown: "[1] [title · location](<link>)"; the <> keeps Discord from adding a preview. */
export function formatCitationsMarkdown(sources: readonly CitationSource[], cited: boolean): string {
  if (sources.length === 0) return "";
  const lines = sources.map((source) => {
    const text = label(source).replace(/[[\]]/g, (bracket) => `\\${bracket}`);
    const link = source.link.replace(/[<>\s]/g, encodeURIComponent);
    return `[${source.number}] ${link ? `[${text}](<${link}>)` : text}`;
  });
  return `${cited ? "📚 來源" : "📚 相關課程資料"}\n${lines.join("\n")}`;
}

/** Plain text (LINE shows no markdown): "[1] title · location" and the link on its own line. */
export function formatCitationsPlain(sources: readonly CitationSource[], cited: boolean): string {
  if (sources.length === 0) return "";
  const lines = sources.map(
    (source) => `[${source.number}] ${label(source)}${source.link ? `\n${source.link}` : ""}`,
  );
  return `${cited ? "📚 來源" : "📚 相關課程資料"}\n${lines.join("\n")}`;
}
