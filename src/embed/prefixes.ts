/**
 * Query and passage prefixes: retrieval models trained with asymmetric prefixes lose accuracy
 * without them, and models trained without prefixes lose accuracy with them.
 */

interface PrefixRule {
  /** Tested against the model's last path segment, lowercased. */
  pattern: RegExp;
  query: string;
  passage: string;
}

const PREFIX_RULES: PrefixRule[] = [
  // multilingual-e5-*-instruct wants a one-line task instruction on queries only.
  {
    pattern: /(^|[^a-z0-9])e5[^/]*instruct/,
    query: "Instruct: Given a question, retrieve passages that answer the question\nQuery: ",
    passage: "",
  },
  // e5-small-v2, multilingual-e5-small/base/large.
  { pattern: /(^|[^a-z0-9])e5([^a-z0-9]|$)/, query: "query: ", passage: "passage: " },
  // bge v1.5 recommends an instruction on short queries; bge-m3 needs none.
  {
    pattern: /^bge-.*-zh(-v1\.5)?$/,
    query: "为这个句子生成表示以用于检索相关文章：",
    passage: "",
  },
  {
    pattern: /^bge-.*-en(-v1\.5)?$/,
    query: "Represent this sentence for searching relevant passages: ",
    passage: "",
  },
  { pattern: /^nomic-embed-text/, query: "search_query: ", passage: "search_document: " },
  { pattern: /^embeddinggemma/, query: "task: search result | query: ", passage: "title: none | text: " },
];

function findRule(modelId: string): PrefixRule | undefined {
  const name =
    modelId
      .replace(/[/\\]+$/, "")
      .split(/[/\\]/)
      .pop()
      ?.toLowerCase() ?? "";
  return PREFIX_RULES.find((rule) => rule.pattern.test(name));
}

/** Text put before every query for this model ("query: " for the e5 family, "" for bge-m3 and unknown models). */
export function queryPrefix(modelId: string): string {
  return findRule(modelId)?.query ?? "";
}

/** Text put before every passage for this model ("passage: " for the e5 family, "" for bge-m3 and unknown models). */
export function passagePrefix(modelId: string): string {
  return findRule(modelId)?.passage ?? "";
}
