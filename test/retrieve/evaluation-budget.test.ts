/**
 * The prompt-budget figures of `npm run eval`: recall of the answer inside the budget and passage
 * tokens before/after, from retrieval as the service runs with that budget (real LanceDB in a temp
 * folder, full-text only).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approximateTokenCount } from "../../src/retrieve/context.ts";
import { evaluateRetrieval } from "../../src/retrieve/evaluation.ts";
import { createRetriever } from "../../src/retrieve/index.ts";
import type { ChunkStore } from "../../src/store/index.ts";
import { ingestFulltext } from "../helpers/eval-sets.ts";

const root = mkdtempSync(join(tmpdir(), "eval-budget-"));
let chunks: ChunkStore;
afterAll(() => rmSync(root, { recursive: true, force: true }));

// Each section is one chunk: the question's words in the first, its answer in the second.
const section = (title: string, body: string) => `## ${title}\n\n${body}\n`;
beforeAll(async () => {
  const corpusDir = join(root, "corpus");
  mkdirSync(corpusDir);
  writeFileSync(
    join(corpusDir, "sampling.md"),
    [
      section("溫度", `溫度是取樣時的參數。${"把分數除以溫度再做 softmax。".repeat(12)}`),
      section("結果", `溫度大於一的時候會拉近彼此的機率。${"分布因此變得更平。".repeat(14)}`),
      section("種子", `固定隨機種子就能重現結果。${"同樣的輸入得到同樣的輸出。".repeat(12)}`),
    ].join("\n"),
  );
  ({ chunks } = await ingestFulltext(corpusDir, root, { targetChars: 200, maxChars: 260, overlapChars: 0 }));
});

const questions = [{ question: "溫度是什麼參數", mustContain: "會拉近彼此的機率" }];

describe("evaluateRetrieval's budget figures", () => {
  it("fit the ranked passages, or come from the retriever the service would run with the budget", async () => {
    const ranked = createRetriever({ chunks, embedder: null, passageChars: 300, firstPassageChars: 600 });
    const budgetTokens = 300;
    const countTokens = approximateTokenCount;
    // The first passage (the two first sections, widened) holds the answer; over the budget, the
    // best passage is still kept.
    const fitted = await evaluateRetrieval(ranked, questions, 5, { budgetTokens, countTokens });
    expect(fitted.recallAt1).toBe(1);
    expect(fitted.budget).toMatchObject({ recallInBudget: 1, averagePassagesAfter: 1 });
    expect(fitted.budget!.medianTokensAfter).toBeGreaterThan(budgetTokens);

    // A service that shows only its best passage, not widened: the answer's section is left out.
    const service = createRetriever({
      chunks,
      embedder: null,
      passageChars: 150,
      fitContext: (passages) => passages.slice(0, 1),
    });
    const served = await evaluateRetrieval(ranked, questions, 5, {
      budgetTokens,
      countTokens,
      retriever: service,
    });
    // Ranks and "before" are the ranked retriever's; "inside" and "after" are the service's.
    expect(served.recallAt1).toBe(1);
    expect(served.budget!.medianTokensBefore).toBe(fitted.budget!.medianTokensBefore);
    expect(served.budget).toMatchObject({ recallInBudget: 0, averagePassagesAfter: 1 });
    expect(served.budget!.medianTokensAfter).toBeLessThanOrEqual(budgetTokens);
  });
});
