/** Groups similar questions (character-bigram Jaccard) so staff see what the corpus is missing. Pure. */

/**
 * Question words and particles shared by unrelated questions ("是什麼", "嗎"): dropped so that short
 * Chinese questions are compared by their topic words.
 */
const FILLER_WORDS =
  /請問|為什麼|為甚麼|什麼|甚麼|怎麼|怎樣|如何|哪些|哪裡|哪個|哪天|哪一|是不是|可不可以|可以|能不能|有沒有|[的了嗎呢吧啊呀是]/g;

/** Lower-cased letters and digits only: punctuation, spaces, symbols and filler words do not make questions similar. */
function normalizeQuestion(text: string): string {
  return text
    .toLowerCase()
    .replace(FILLER_WORDS, "")
    .replace(/[^\p{L}\p{N}]+/gu, "");
}

/** Character bigrams of the normalized text; a one-character question is its own "bigram". */
export function characterBigrams(text: string): Set<string> {
  const characters = [...normalizeQuestion(text)];
  const grams = new Set<string>();
  if (characters.length === 1) grams.add(characters[0]!);
  for (let index = 0; index + 1 < characters.length; index++)
    grams.add(characters[index]! + characters[index + 1]!);
  return grams;
}

/** |A ∩ B| / |A ∪ B|; 0 when both are empty. */
export function jaccardSimilarity(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 0;
  let shared = 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const gram of small) if (large.has(gram)) shared++;
  return shared / (a.size + b.size - shared);
}

export interface GapGroup<T> {
  /** The first (newest, if the input is newest first) question of the group. */
  representative: string;
  items: T[];
}

export interface GroupOptions {
  /** Two questions belong together when their bigram Jaccard similarity reaches this. Default 0.35. */
  threshold?: number;
}

/**
 * Greedy single-link grouping: each question joins the group holding its most similar earlier
 * question (if that similarity reaches the threshold), otherwise starts a new group. Groups are
 * returned largest first; ties keep input order. O(n²) comparisons, fine for a few thousand.
 */
export function groupSimilarQuestions<T>(
  items: readonly T[],
  questionOf: (item: T) => string,
  options: GroupOptions = {},
): GapGroup<T>[] {
  const threshold = options.threshold ?? 0.35;
  const groups: GapGroup<T>[] = [];
  const seen: { grams: Set<string>; group: GapGroup<T> }[] = [];
  for (const item of items) {
    const grams = characterBigrams(questionOf(item));
    let best: { similarity: number; group: GapGroup<T> } | undefined;
    for (const earlier of seen) {
      const similarity = jaccardSimilarity(grams, earlier.grams);
      if (similarity >= threshold && (!best || similarity > best.similarity))
        best = { similarity, group: earlier.group };
    }
    const group = best?.group ?? { representative: questionOf(item), items: [] };
    if (!best) groups.push(group);
    group.items.push(item);
    seen.push({ grams, group });
  }
  return groups
    .map((group, order) => ({ group, order }))
    .sort((a, b) => b.group.items.length - a.group.items.length || a.order - b.order)
    .map((entry) => entry.group);
}
