/**
 * GET /api/admin/stats?from=&to= (the dashboard's figures as JSON) and
 * GET /api/admin/traces/export?format=csv|jsonl&… (the trace list's filters, streamed).
 * Mounted at /api/admin before the trace routes, behind the admin access middleware.
 */
import { Hono } from "hono";
import type { AdminContext } from "../../admin/context.ts";
import { computeStats } from "../../admin/stats.ts";
import { readStatsRange } from "../../admin/stats-range.ts";
import { csvHeader, EXPORT_FORMATS, type ExportFormat, formatExportLine } from "../../admin/trace-export.ts";
import { matchesTraceFilter, readTraceFilter, toStoreFilter } from "../../admin/trace-filters.ts";
import { AppError } from "../../errors.ts";
import type { TraceSummary } from "../../store/index.ts";

export function createAdminStatsApi(admin: AdminContext): Hono {
  const app = new Hono();

  app.get("/stats", async (c) => {
    const range = readStatsRange((name) => c.req.query(name), admin.timeZone);
    const columns = await admin.traces.statsColumns({ from: range.fromUtc, to: range.toUtc });
    return c.json(computeStats(columns, { from: range.from, to: range.to, timeZone: admin.timeZone }));
  });

  app.get("/traces/export", (c) => {
    const format = c.req.query("format") ?? "csv";
    if (!(EXPORT_FORMATS as readonly string[]).includes(format))
      throw new AppError("format must be csv or jsonl", "bad_request");
    const filter = readTraceFilter((name) => c.req.query(name));
    const search = toStoreFilter(filter, admin.timeZone);
    const pseudonymOf = (trace: TraceSummary) => admin.pseudonymOf(trace.platform, trace.userId);
    const pseudonyms = {
      user: pseudonymOf,
      conversation: (trace: TraceSummary) => admin.conversationPseudonymOf(trace.conversationId),
    };
    const encoder = new TextEncoder();
    const batches = admin.traces.summaryBatches(search);
    // Pulled one batch at a time: a slow download holds the database reader back (constant memory).
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        if (format === "csv") controller.enqueue(encoder.encode(csvHeader()));
      },
      async pull(controller) {
        const next = await batches.next();
        if (next.done) {
          controller.close();
          return;
        }
        const lines = next.value
          .filter((trace) =>
            matchesTraceFilter(trace, filter, { weakRetrieval: admin.weakRetrieval, pseudonymOf }),
          )
          .map((trace) => formatExportLine(trace, format as ExportFormat, pseudonyms))
          .join("");
        if (lines) controller.enqueue(encoder.encode(lines));
      },
      async cancel() {
        await batches.return(undefined);
      },
    });
    const day = new Date().toISOString().slice(0, 10);
    return new Response(body, {
      headers: {
        "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
        "content-disposition": `attachment; filename="traces-${day}.${format}"`,
        "cache-control": "no-store",
      },
    });
  });
  return app;
}
