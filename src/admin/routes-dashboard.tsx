/** /admin (the dashboard), /admin/quality, /admin/quality/runs/:id and /admin/quality/compare. */
import type { Hono } from "hono";
import { AppError } from "../errors.ts";
import { compareRuns } from "../quality/compare.ts";
import type { AdminContext } from "./context.ts";
import { DashboardPage } from "./pages/dashboard.tsx";
import { renderPage } from "./pages/layout.tsx";
import { ComparePage, QualityPage, RunPage } from "./pages/quality.tsx";
import { computeStats, countPerDay } from "./stats.ts";
import { readStatsRange } from "./stats-range.ts";
import { formatTime } from "./time.ts";
import { isWeakRetrieval } from "./weak-retrieval.ts";

export function registerDashboardPages(admin: Hono, context: AdminContext): void {
  const time = (iso: string) => formatTime(iso, context.timeZone);

  admin.get("/", async (c) => {
    const range = readStatsRange((name) => c.req.query(name), context.timeZone);
    const window = { from: range.fromUtc, to: range.toUtc };
    const days = { from: range.from, to: range.to, timeZone: context.timeZone };
    const report = computeStats(await context.traces.statsColumns(window), days);
    const weak = (await context.traces.passagesInRange(window))
      .filter((trace) => isWeakRetrieval(trace.passages, context.weakRetrieval))
      .map((trace) => trace.createdAt);
    const today = time(new Date().toISOString()).slice(0, 10);
    return renderPage(
      c,
      <DashboardPage report={report} weakPerDay={countPerDay(weak, days)} today={today} />,
    );
  });

  admin.get("/quality", async (c) => {
    const runs = (await context.evalRuns?.list()) ?? [];
    return renderPage(c, <QualityPage runs={runs} time={time} />);
  });

  const runOrFail = async (id: string | undefined, name: string) => {
    if (!id) throw new AppError(`${name} must name an evaluation run`, "bad_request");
    const run = await context.evalRuns?.get(id);
    if (!run) throw new AppError(`there is no evaluation run ${id}`, "not_found");
    return run;
  };

  admin.get("/quality/runs/:id", async (c) => {
    const run = await runOrFail(c.req.param("id"), "id");
    return renderPage(c, <RunPage run={run} time={time} />);
  });

  admin.get("/quality/compare", async (c) => {
    const base = await runOrFail(c.req.query("base"), "base");
    const next = await runOrFail(c.req.query("next"), "next");
    return renderPage(
      c,
      <ComparePage base={base} next={next} comparison={compareRuns(base, next)} time={time} />,
    );
  });
}
