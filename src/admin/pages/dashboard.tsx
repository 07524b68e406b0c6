/** The admin home: how the course uses the TA, over a date range, as charts with tables. */
import type { StatsReport } from "../stats.ts";
import { BarChart, Heatmap, LineChart, type Series } from "./charts.tsx";
import { formatNumber, Layout } from "./layout.tsx";

/** Modes in a stable order; any other mode (a new one) follows, by name. */
const KNOWN_MODES = ["answer", "retrieval-only", "not-covered", "refusal", "crisis", "smalltalk"];
const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

function seriesBy(
  report: StatsReport,
  pick: (day: StatsReport["days"][number]) => Record<string, number>,
  names: string[],
): Series[] {
  return names.map((name) => ({ name, values: report.days.map((day) => pick(day)[name] ?? 0) }));
}

export function orderedModes(modes: string[]): string[] {
  return [
    ...KNOWN_MODES.filter((mode) => modes.includes(mode)),
    ...modes.filter((mode) => !KNOWN_MODES.includes(mode)).sort(),
  ];
}

function RangeForm(props: { from: string; to: string; today: string }) {
  const back = (days: number) =>
    new Date(Date.parse(`${props.today}T00:00:00Z`) - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  return (
    <form method="get" action="/admin" class="filters card" id="range">
      <label>
        From
        <input type="date" name="from" value={props.from} />
      </label>
      <label>
        To
        <input type="date" name="to" value={props.to} />
      </label>
      <button type="submit">Apply</button>
      {[7, 30, 90].map((days) => (
        <a href={`/admin?from=${back(days)}&to=${props.today}`}>last {days} days</a>
      ))}
    </form>
  );
}

export function DashboardPage(props: { report: StatsReport; weakPerDay: number[]; today: string }) {
  const { report } = props;
  const labels = report.days.map((day) => day.date);
  const platforms = Object.keys(report.totals.byPlatform).sort();
  const modes = orderedModes(Object.keys(report.totals.byMode));
  const weak = props.weakPerDay.reduce((sum, count) => sum + count, 0);
  return (
    <Layout title="Dashboard" section="dashboard">
      <h1>Dashboard</h1>
      <RangeForm from={report.from} to={report.to} today={props.today} />
      <div class="figures" id="totals">
        <div>
          <span class="muted">Questions</span>{" "}
          <strong data-figure="total">{formatNumber(report.totals.total)}</strong>
        </div>
        <div>
          <span class="muted">👍</span>{" "}
          <strong data-figure="up">{formatNumber(report.totals.feedback.up)}</strong>
        </div>
        <div>
          <span class="muted">👎</span>{" "}
          <strong data-figure="down">{formatNumber(report.totals.feedback.down)}</strong>
        </div>
        <div>
          <span class="muted">Weak retrieval</span> <strong data-figure="weak">{formatNumber(weak)}</strong>
        </div>
      </div>
      <p class="muted">
        Days in {report.timeZone}. Questions from the answer evaluation (<code>npm run eval -- answers</code>)
        are not counted. Hover a bar or point for its numbers; each chart's table is folded below it.
      </p>
      <BarChart
        id="chart-platforms"
        title="Questions per day, by platform"
        labels={labels}
        series={seriesBy(report, (day) => day.byPlatform, platforms)}
        stacked
      />
      <BarChart
        id="chart-modes"
        title="Mode mix per day"
        labels={labels}
        series={seriesBy(report, (day) => day.byMode, modes)}
        stacked
      />
      <BarChart
        id="chart-feedback"
        title="👍 / 👎 per day"
        labels={labels}
        series={[
          { name: "👍 up", values: report.days.map((day) => day.feedback.up) },
          { name: "👎 down", values: report.days.map((day) => day.feedback.down) },
        ]}
      />
      <LineChart
        id="chart-latency"
        title="Time to first token and total time per day"
        note="(model answers, ms)"
        labels={labels}
        unit=" ms"
        series={[
          { name: "first token p50", values: report.days.map((day) => day.firstTokenMs.p50) },
          { name: "first token p95", values: report.days.map((day) => day.firstTokenMs.p95) },
          { name: "total p50", values: report.days.map((day) => day.totalMs.p50) },
          { name: "total p95", values: report.days.map((day) => day.totalMs.p95) },
        ]}
      />
      <Heatmap
        id="chart-hours"
        title="Busiest hours of the week"
        rows={WEEKDAYS}
        columns={Array.from({ length: 24 }, (_, hour) => String(hour).padStart(2, "0"))}
        values={report.hoursOfWeek}
      />
      <BarChart
        id="chart-gaps"
        title="Knowledge gaps: answered questions with weak retrieval, per day"
        note="(see Knowledge gaps for the questions)"
        labels={labels}
        series={[{ name: "weak retrieval", values: props.weakPerDay }]}
      />
    </Layout>
  );
}
