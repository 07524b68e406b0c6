/**
 * The retrieval and traces benchmarks at toy sizes: they run end to end, print a summary whose every
 * figure names its target, and clean up. The figures themselves come from `npm run bench`, not here.
 */
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { expect, it } from "vitest";
import { benchRetrieval } from "../../src/cli/bench/retrieval.ts";
import { benchTraces } from "../../src/cli/bench/traces.ts";
import { tinyRerankShape } from "../../src/fixtures/tiny-rerank.ts";

type Summary = { figure: string; value: unknown; target: string | null; met: boolean | null }[];

const leftovers = (prefix: string) => readdirSync(tmpdir()).filter((name) => name.startsWith(prefix));

it("runs the retrieval benchmark: latency, the reranker apart, ingestion throughput, unchanged re-ingest", async () => {
  const before = leftovers("bench-retrieval-").length;
  const rerankBefore = leftovers("bench-rerank-").length;
  const report = (await benchRetrieval({ sizes: [300], rounds: 1, rerankShape: tinyRerankShape() })) as {
    summary: Summary;
    synthetic: unknown[];
  };
  expect(report.synthetic).toHaveLength(1);
  expect(report.summary.map((line) => line.figure)).toEqual([
    "hybrid query p95 at 300 chunks",
    "reranker on 10 candidates × 256 tokens, added after fusion (generated 2 layers × 32, q8, 2 threads)",
    "first ingest of 1,000 documents",
    "unchanged re-ingest of 1,000 documents",
  ]);
  expect(report.summary[3]!.met).toBe(true);
  expect(leftovers("bench-retrieval-").length).toBe(before);
  expect(leftovers("bench-rerank-").length).toBe(rerankBefore);
}, 120_000);

it("runs the traces benchmark with a summary against its targets", async () => {
  const report = (await benchTraces({ count: 400 })) as { summary: Summary };
  expect(report.summary.length).toBeGreaterThanOrEqual(3);
  for (const line of report.summary) {
    expect(line.target, line.figure).toMatch(/^< /);
    expect(typeof line.met).toBe("boolean");
  }
}, 120_000);
