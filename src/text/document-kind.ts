/**
 * Kinds of course documents students name when they ask (「投影片上那個例子」, 「筆記裡的」,
 * "slides 上"), told apart by the file name (`x.slides.txt`, `x.transcript.txt`, `x.notes.md`). Pure.
 *
 * The same example is often both in a lecture's slides and in its transcript; a question that says
 * where it saw it should get that document's passage first.
 */
export type DocumentKind = "slides" | "transcript" | "notes";

const KINDS: ReadonlyArray<{ kind: DocumentKind; file: RegExp; asked: RegExp }> = [
  {
    kind: "slides",
    file: /(^|[./_-])(slides?|deck)([./_-]|$)/i,
    asked: /投影片|簡報|(?<![a-z])(slides?|ppt|deck)(?![a-z])/i,
  },
  {
    kind: "transcript",
    file: /(^|[./_-])(transcripts?|captions?|subtitles?)([./_-]|$)|\.(srt|vtt)$/i,
    asked: /逐字稿|字幕|(?<![a-z])(transcripts?|subtitles?|captions?)(?![a-z])/i,
  },
  { kind: "notes", file: /(^|[./_-])notes?([./_-]|$)/i, asked: /筆記|(?<![a-z])notes?(?![a-z])/i },
];

/** The kind of a document, from its file name; undefined for anything else (a syllabus, a lecture page). */
export function documentKind(documentPath: string): DocumentKind | undefined {
  const name = documentPath.split("/").at(-1) ?? documentPath;
  return KINDS.find((entry) => entry.file.test(name))?.kind;
}

/** The kinds of document a question names («投影片說…», "slide 上"), in no particular order. */
export function askedDocumentKinds(question: string): DocumentKind[] {
  const text = question.normalize("NFKC");
  return KINDS.filter((entry) => entry.asked.test(text)).map((entry) => entry.kind);
}
