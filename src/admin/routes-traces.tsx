/** /admin/traces, /admin/traces/:id and /admin/gaps. */
import type { Hono } from "hono";
import { AppError } from "../errors.ts";
import { formatTraceCursor, type TraceSummary } from "../store/index.ts";
import type { AdminContext } from "./context.ts";
import { groupSimilarQuestions } from "./knowledge-gaps.ts";
import { GapsPage } from "./pages/gaps.tsx";
import { renderPage } from "./pages/layout.tsx";
import { TraceDetailPage } from "./pages/trace-detail.tsx";
import { TraceListPage } from "./pages/trace-list.tsx";
import { formatTime } from "./time.ts";
import { matchesTraceFilter, readTraceFilter, toStoreFilter } from "./trace-filters.ts";
import { bestRetrieverScores, isWeakRetrieval } from "./weak-retrieval.ts";

const PAGE_SIZE = 50;
const DAY_MS = 86_400_000;

export function registerTracePages(admin: Hono, context: AdminContext): void {
  const pseudonymOf = (trace: TraceSummary) => context.pseudonymOf(trace.platform, trace.userId);
  const time = (iso: string) => formatTime(iso, context.timeZone);

  admin.get("/traces", async (c) => {
    const filter = readTraceFilter((name) => c.req.query(name));
    const search = toStoreFilter(filter, context.timeZone);
    // Without text, pseudonym or weakness filters the database picks the page itself: fast at any size.
    const databaseOnly = !filter.text && !filter.user && !filter.weak;
    const summaries = await context.traces.listSummaries(
      databaseOnly ? { ...search, limit: PAGE_SIZE + 1 } : search,
    );
    const matching = summaries.filter((trace) =>
      matchesTraceFilter(trace, filter, { weakRetrieval: context.weakRetrieval, pseudonymOf }),
    );
    const total = databaseOnly ? await context.traces.countMatching(search) : matching.length;
    const page = matching.slice(0, PAGE_SIZE);
    const rows = page.map((trace) => ({
      trace,
      time: time(trace.createdAt),
      pseudonym: pseudonymOf(trace),
      weak: isWeakRetrieval(trace.passages, context.weakRetrieval),
    }));
    const last = page.at(-1);
    const nextCursor = matching.length > PAGE_SIZE && last ? formatTraceCursor(last) : undefined;
    return renderPage(c, <TraceListPage rows={rows} filter={filter} total={total} nextCursor={nextCursor} />);
  });

  admin.get("/traces/:id", async (c) => {
    const trace = await context.traces.get(c.req.param("id"));
    if (!trace)
      throw new AppError(
        `there is no trace ${c.req.param("id")} (it may be older than the retention period)`,
        "not_found",
      );
    const conversation = (await context.traces.listSummaries({ conversationId: trace.conversationId }))
      .reverse()
      .map((entry) => ({ trace: entry, time: time(entry.createdAt) }));
    return renderPage(
      c,
      <TraceDetailPage
        trace={trace}
        time={time(trace.createdAt)}
        pseudonym={pseudonymOf(trace)}
        weak={isWeakRetrieval(trace.passages, context.weakRetrieval)}
        conversation={conversation}
      />,
    );
  });

  admin.get("/gaps", async (c) => {
    const requested = Number(c.req.query("days") ?? 30);
    const days = Number.isInteger(requested) && requested >= 1 && requested <= 3650 ? requested : 30;
    const since = new Date(Date.now() - days * DAY_MS).toISOString();
    // Evaluation questions are staff's, not students': they are not gaps in what students get.
    const answered = (await context.traces.listSummaries({ from: since })).filter(
      (trace) =>
        trace.status === "ok" &&
        trace.platform !== "eval" &&
        (trace.mode === "answer" || trace.mode === "retrieval-only"),
    );
    const weak = answered
      .filter((trace) => isWeakRetrieval(trace.passages, context.weakRetrieval))
      .map((trace) => ({ trace, time: time(trace.createdAt), best: bestRetrieverScores(trace.passages) }));
    const groups = groupSimilarQuestions(weak, (item) => item.trace.question);
    return renderPage(
      c,
      <GapsPage
        groups={groups}
        days={days}
        weakCount={weak.length}
        totalCount={answered.length}
        thresholds={context.weakRetrieval}
      />,
    );
  });
}
