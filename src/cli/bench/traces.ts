/**
 * Trace and conversation storage at scale: write N traces (and N conversation turns) through the
 * stores' batched paths, then time the admin list, a trace lookup and a conversation's history.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { computeStats } from "../../admin/stats.ts";
import { formatExportLine } from "../../admin/trace-export.ts";
import { ConversationStore, openDatabase, TraceStore } from "../../store/index.ts";
import type { ConversationTurn, Trace } from "../../types.ts";
import { peakRssMb, round, summarize } from "./stats.ts";

function syntheticTrace(index: number, start: number): Trace {
  const createdAt = new Date(start + index * 1000).toISOString();
  return {
    id: `trace-${index.toString().padStart(7, "0")}`,
    createdAt,
    conversationId: `conversation-${index % 5000}`,
    platform: (["http", "discord", "line"] as const)[index % 3]!,
    userId: `user-${index % 2000}`,
    question: `第 ${index} 個問題：top-p 取樣和 temperature 有什麼不同？`,
    answer: "Top-p 只保留累積機率達到 p 的候選 token [1]，temperature 則改變分布的尖銳程度 [2]。".repeat(3),
    passages: [1, 2, 3].map((rank) => ({
      rank,
      score: 1 / (60 + rank),
      chunkId: `chunk-${rank}`,
      documentPath: "lectures/lecture-05-sampling.md",
      title: "第 5 講：取樣策略",
      location: "Top-p",
      link: "https://example.edu/genai/lecture-05",
      text: "把 token 依機率由高到低排序，從最高的開始累加，累加到總和第一次達到 p 為止。".repeat(4),
      retrievers: [{ retriever: "fulltext" as const, rank, score: 12 - rank }],
    })),
    prompt: "<|im_start|>system\n你是課程助教。<|im_end|>\n".repeat(20),
    sampling: { temperature: 0.3, topP: 0.9, topK: 40, minP: 0.05, repeatPenalty: 1.1, maxTokens: 768 },
    model: "bench",
    usage: { promptTokens: 1800, completionTokens: 120 },
    timings: { retrievalMs: 8, firstTokenMs: 300, totalMs: 4000, tokensPerSecond: 30 },
    status: "ok",
    mode: "answer",
  };
}

/** A CSV export of every trace to nowhere: its speed, and how far the heap grew while it ran. */
async function benchExport(traces: TraceStore): Promise<Record<string, number>> {
  const pseudonyms = { user: () => "學生-000000000000", conversation: () => "" };
  const heapBefore = process.memoryUsage().heapUsed;
  let peakHeap = heapBefore;
  let rows = 0;
  let bytes = 0;
  const started = performance.now();
  for await (const batch of traces.summaryBatches()) {
    for (const trace of batch) bytes += formatExportLine(trace, "csv", pseudonyms).length;
    rows += batch.length;
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    traces: rows,
    seconds: round(seconds),
    tracesPerSecond: round(rows / seconds),
    characters: bytes,
    heapGrowthMb: round((peakHeap - heapBefore) / 1_048_576, 1),
  };
}

async function timeIt(times: number, action: () => Promise<unknown>): Promise<ReturnType<typeof summarize>> {
  await action(); // warm
  const samples: number[] = [];
  for (let index = 0; index < times; index++) {
    const started = performance.now();
    await action();
    samples.push(performance.now() - started);
  }
  return summarize(samples);
}

export async function benchTraces(options: { count: number }): Promise<Record<string, unknown>> {
  const root = mkdtempSync(join(tmpdir(), "bench-traces-"));
  try {
    const database = await openDatabase(root);
    const traces = await TraceStore.open(database);
    const conversations = await ConversationStore.open(database);
    const start = Date.parse("2026-09-07T00:00:00Z");

    // Through the request path: two saves per answer (running, then done), batched by the store.
    const requestPathCount = Math.min(2000, options.count);
    const requestStarted = performance.now();
    for (let index = 0; index < requestPathCount; index++) {
      const trace = syntheticTrace(index, start);
      await traces.save({ ...trace, status: "running" });
      await traces.save(trace);
    }
    await traces.flush();
    const requestPathSeconds = (performance.now() - requestStarted) / 1000;

    const bulkStarted = performance.now();
    const batch = 5000;
    for (let offset = requestPathCount; offset < options.count; offset += batch) {
      const size = Math.min(batch, options.count - offset);
      await traces.save(
        Array.from({ length: size }, (_, index) => syntheticTrace(offset + index, start)),
        { flush: true },
      );
      const turns: ConversationTurn[] = [];
      for (let index = offset; index < offset + size; index++) {
        const trace = syntheticTrace(index, start);
        turns.push(
          {
            conversationId: trace.conversationId,
            turn: Math.floor(index / 5000) * 2,
            role: "user",
            content: trace.question,
            createdAt: trace.createdAt,
            traceId: trace.id,
          },
          {
            conversationId: trace.conversationId,
            turn: Math.floor(index / 5000) * 2 + 1,
            role: "assistant",
            content: trace.answer,
            createdAt: trace.createdAt,
            traceId: trace.id,
          },
        );
      }
      await conversations.appendMany(turns);
    }
    const bulkSeconds = (performance.now() - bulkStarted) / 1000;
    await traces.close(); // waits for background compaction
    const reopened = await TraceStore.open(database);
    const reopenedConversations = await ConversationStore.open(database);

    const adminList = await timeIt(20, () => reopened.listSummaries({ limit: 51 }));
    const apiList = await timeIt(20, () => reopened.list({ limit: 50 }));
    const filteredList = await timeIt(10, () => reopened.listSummaries({ platform: "line", limit: 51 }));
    const lookup = await timeIt(20, () =>
      reopened.get(`trace-${String(Math.floor(options.count / 2)).padStart(7, "0")}`),
    );
    const history = await timeIt(20, () => reopenedConversations.history("conversation-1234"));
    // GET /api/admin/stats over 30 days (the store's column read plus the aggregation it serves).
    const statsFrom = new Date(start - 8 * 3_600_000).toISOString(); // 2026-09-07 00:00 in Taipei
    const statsTo = new Date(start + 30 * 86_400_000 - 8 * 3_600_000).toISOString();
    let statsTraces = 0;
    const stats = await timeIt(20, async () => {
      const columns = await reopened.statsColumns({ from: statsFrom, to: statsTo });
      statsTraces = computeStats(columns, { from: "2026-09-07", to: "2026-10-06", timeZone: "Asia/Taipei" })
        .totals.total;
    });
    const exported = await benchExport(reopened);
    const target = 200;
    const statsTarget = 500;
    return {
      benchmark: "traces",
      traces: await reopened.count(),
      requestPath: {
        traces: requestPathCount,
        seconds: round(requestPathSeconds),
        tracesPerSecond: round(requestPathCount / requestPathSeconds, 1),
      },
      bulk: { traces: options.count - requestPathCount, seconds: round(bulkSeconds) },
      adminListMs: adminList,
      apiListMs: apiList,
      filteredListMs: filteredList,
      lookupMs: lookup,
      conversationHistoryMs: history,
      statsMs: { ...stats, days: 30, traces: statsTraces },
      export: exported,
      summary: [
        {
          figure: "admin list (newest 50) p95 ms",
          value: adminList.p95,
          target: `< ${target}`,
          met: adminList.p95 < target,
        },
        {
          figure: "API list (newest 50) p95 ms",
          value: apiList.p95,
          target: `< ${target}`,
          met: apiList.p95 < target,
        },
        {
          figure: `admin stats over 30 days (${statsTraces} traces) p95 ms`,
          value: stats.p95,
          target: `< ${statsTarget}`,
          met: stats.p95 < statsTarget,
        },
        {
          figure: "conversation history p95 ms",
          value: history.p95,
          target: `< ${target}`,
          met: history.p95 < target,
        },
      ],
      peakRssMb: peakRssMb(),
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
