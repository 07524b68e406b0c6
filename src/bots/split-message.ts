/**
 * Splits an answer into platform-sized messages (pure). Cuts prefer paragraph, then line, then
 * sentence boundaries, and never fall inside a citation ([1], [1][2], [1, 2]), a markdown link,
 * a URL or inline code. A fenced code block is never cut when it fits in one message; a block longer
 * than a whole message is cut at a line break and its fence closed and reopened, so every message
 * renders on its own. Lengths are UTF-16 code units (what Discord and LINE count, or stricter).
 */

export interface SplitOptions {
  /** Longest message, in UTF-16 code units. */
  maxChars: number;
  /** At most this many messages; the last one is cut short and ends with `truncationNotice`. Default: no limit. */
  maxMessages?: number;
  /** Appended to the last message when text is dropped. Default: "…（回答太長，後面省略）". */
  truncationNotice?: string;
}

const DEFAULT_TRUNCATION_NOTICE = "…（回答太長，後面省略）";
const FENCE_CLOSE = "\n```";
/** A boundary is only taken when it keeps at least this share of the budget in the message. */
const MIN_FILL = 0.4;

interface Span {
  start: number;
  end: number;
}

interface FenceBlock extends Span {
  /** The opening fence line, e.g. "```python". */
  opener: string;
  /** Where the block's content starts (after the opening line). */
  contentStart: number;
  closed: boolean;
}

const FENCE_LINE = /^ {0,3}(`{3,})([^`\n]*)$/;

/** Finds fenced code blocks; `openAtStart` continues a block cut from the previous message. */
function findFences(text: string, openAtStart: string | null): FenceBlock[] {
  const blocks: FenceBlock[] = [];
  let open: { start: number; opener: string; contentStart: number; ticks: number } | null = openAtStart
    ? {
        start: 0,
        opener: openAtStart,
        contentStart: 0,
        ticks: /^`+/.exec(openAtStart.trim())?.[0].length ?? 3,
      }
    : null;
  let lineStart = 0;
  while (lineStart <= text.length) {
    const newline = text.indexOf("\n", lineStart);
    const lineEnd = newline === -1 ? text.length : newline;
    const match = FENCE_LINE.exec(text.slice(lineStart, lineEnd));
    if (match) {
      const ticks = match[1]!.length;
      if (!open) {
        open = {
          start: lineStart,
          opener: text.slice(lineStart, lineEnd).trim(),
          contentStart: lineEnd + 1,
          ticks,
        };
      } else if (ticks >= open.ticks && match[2]!.trim() === "") {
        blocks.push({
          start: open.start,
          end: lineEnd,
          opener: open.opener,
          contentStart: open.contentStart,
          closed: true,
        });
        open = null;
      }
    }
    if (newline === -1) break;
    lineStart = newline + 1;
  }
  if (open) {
    blocks.push({
      start: open.start,
      end: text.length,
      opener: open.opener,
      contentStart: open.contentStart,
      closed: false,
    });
  }
  return blocks;
}

const ATOMIC_PATTERNS: RegExp[] = [
  /`[^`\n]+`/g, // inline code
  /\[[^\]\n]*\]\((?:<[^>\n]*>|[^)\s]*)\)/g, // markdown link [title](url) or [title](<url>)
  /(?:\[\d{1,3}(?:\s*[,，、]\s*\d{1,3})*\])+/g, // citations [1], [1][2], [1, 2]
  /<?https?:\/\/[^\s<>]+>?/g, // bare or <wrapped> URLs
];

function findAtomicSpans(text: string, fences: FenceBlock[]): Span[] {
  const spans: Span[] = [];
  for (const pattern of ATOMIC_PATTERNS) {
    for (const match of text.matchAll(pattern)) {
      const start = match.index;
      const end = start + match[0].length;
      if (!fences.some((fence) => start < fence.end && end > fence.start)) spans.push({ start, end });
    }
  }
  return spans;
}

function inside(spans: readonly Span[], position: number): boolean {
  return spans.some((span) => position > span.start && position < span.end);
}

function isSurrogateSplit(text: string, position: number): boolean {
  const code = text.charCodeAt(position);
  return code >= 0xdc00 && code <= 0xdfff;
}

// A sentence ends after 。！？ (with any closing quotes) or after . ; : followed by a space.
const SENTENCE_END = /[。！？；!?]+[」』）)”’"'】]*|[.;:](?=\s)/g;

/** Candidate cut positions (the message ends before `position`), best kind first. */
function boundaryKinds(text: string, limit: number): number[][] {
  const window = text.slice(0, limit + 1);
  const paragraphs: number[] = [];
  const lines: number[] = [];
  const sentences: number[] = [];
  const spaces: number[] = [];
  for (let index = 1; index <= Math.min(limit, text.length); index++) {
    const previous = text[index - 1];
    if (previous === "\n" && text[index - 2] === "\n") paragraphs.push(index);
    else if (previous === "\n") lines.push(index);
    else if (previous === " " || previous === "\t" || previous === "\u3000") spaces.push(index);
  }
  for (const match of window.matchAll(SENTENCE_END)) {
    const position = match.index + match[0].length;
    if (position <= limit) sentences.push(position);
  }
  return [paragraphs, lines, sentences, spaces];
}

interface Cut {
  /** Message text ends here (exclusive). */
  end: number;
  /** The next message continues here. */
  next: number;
  /** Set when the cut falls inside a code block: close it here and reopen it next. */
  reopen: string | null;
}

function chooseCut(text: string, budget: number, fences: FenceBlock[], atomic: Span[]): Cut {
  const blocked = (position: number) =>
    inside(atomic, position) || fences.some((fence) => position > fence.start && position < fence.end);
  const minimum = Math.floor(budget * MIN_FILL);
  for (const candidates of boundaryKinds(text, budget)) {
    const usable = candidates.filter((position) => position >= minimum && !blocked(position));
    if (usable.length > 0) {
      const end = usable[usable.length - 1]!;
      return { end, next: end, reopen: null };
    }
  }
  // A code block covers the cut. Start it in the next message when it fits there whole; otherwise
  // cut it at its last line break that fits, close the fence here and reopen it next message.
  const fence = fences.find((block) => block.start < budget && block.end > budget);
  if (fence) {
    const fitsAlone = fence.end - fence.start + FENCE_CLOSE.length <= budget;
    if (fitsAlone && fence.start > 0 && !inside(atomic, fence.start)) {
      return { end: fence.start, next: fence.start, reopen: null };
    }
    const room = budget - FENCE_CLOSE.length;
    const lastBreak = text.lastIndexOf("\n", room);
    if (lastBreak > fence.contentStart) return { end: lastBreak, next: lastBreak + 1, reopen: fence.opener };
    let end = Math.max(fence.contentStart + 1, room);
    if (isSurrogateSplit(text, end)) end--;
    return { end, next: end, reopen: fence.opener };
  }
  // No clean boundary at all: cut at the last position outside atomic spans, else anywhere.
  for (let position = budget; position > minimum; position--) {
    if (!blocked(position) && !isSurrogateSplit(text, position))
      return { end: position, next: position, reopen: null };
  }
  const end = isSurrogateSplit(text, budget) ? budget - 1 : budget;
  return { end, next: end, reopen: null };
}

/** Closes a code block left open at the end of a message, so the message renders on its own. */
function balance(message: string, fences: FenceBlock[], upTo: number): string {
  const open =
    fences.some((fence) => !fence.closed && fence.start < upTo) ||
    fences.some((fence) => fence.closed && fence.start < upTo && fence.end > upTo);
  return open ? `${message}${FENCE_CLOSE}` : message;
}

/** Splits `text` into messages of at most `maxChars`; see the file comment for the rules. */
export function splitMessage(text: string, options: SplitOptions): string[] {
  const { maxChars } = options;
  const maxMessages = options.maxMessages ?? Number.POSITIVE_INFINITY;
  const notice = options.truncationNotice ?? DEFAULT_TRUNCATION_NOTICE;
  if (maxChars < 16) throw new RangeError("maxChars must be at least 16");
  const messages: string[] = [];
  let rest = text.trim() === "" ? "" : text.replace(/^\n+/, "").trimEnd();
  let reopen: string | null = null;
  while (rest !== "") {
    const prefix = reopen ? `${reopen}\n` : "";
    const last = messages.length + 1 >= maxMessages;
    const fences = findFences(rest, reopen);
    const whole = balance(prefix + rest, fences, rest.length);
    if (whole.length <= maxChars) {
      messages.push(whole);
      break;
    }
    const budget = maxChars - prefix.length - (last ? notice.length : 0);
    const cut = chooseCut(rest, budget, fences, findAtomicSpans(rest, fences));
    const body = rest.slice(0, cut.end).trimEnd();
    if (cut.reopen) {
      messages.push(`${prefix}${body}${FENCE_CLOSE}`);
    } else {
      messages.push(balance(prefix + body, fences, cut.end));
    }
    if (last) {
      messages[messages.length - 1] += notice;
      break;
    }
    reopen = cut.reopen;
    rest = cut.reopen
      ? rest.slice(cut.next)
      : rest
          .slice(cut.next)
          .replace(/^\s*\n/, "")
          .trimStart();
  }
  return messages;
}
