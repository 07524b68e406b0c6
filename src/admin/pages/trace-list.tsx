/** The trace list: filters, newest first, paginated. */
import type { TraceSummary } from "../../store/traces.ts";
import { FEEDBACK_CHOICES, filterQuery, MODES, PLATFORMS, type TraceListFilter } from "../trace-filters.ts";
import { formatNumber, Layout } from "./layout.tsx";

export interface TraceRow {
  trace: TraceSummary;
  time: string;
  pseudonym: string;
  weak: boolean;
}

function Select(props: { name: string; label: string; value?: string; choices: readonly string[] }) {
  return (
    <label>
      {props.label}
      <select name={props.name}>
        <option value="">any</option>
        {props.choices.map((choice) => (
          <option value={choice} selected={choice === props.value}>
            {choice}
          </option>
        ))}
      </select>
    </label>
  );
}

export function FeedbackBadge(props: { feedback?: "up" | "down" }) {
  if (props.feedback === "up") return <span class="badge up">👍 up</span>;
  if (props.feedback === "down") return <span class="badge down">👎 down</span>;
  return <span class="muted">–</span>;
}

/** A crisis answer means a student may need a person to follow up: it must stand out in the list. */
export function ModeBadge(props: { mode: string }) {
  if (props.mode === "crisis") {
    return (
      <span class="badge crisis" title="crisis: a student wrote about self-harm; please follow up">
        ⚠ 危機
      </span>
    );
  }
  return <span class="badge">{props.mode}</span>;
}

function clip(text: string, length: number): string {
  const characters = [...text.replace(/\s+/g, " ").trim()];
  return characters.length > length ? `${characters.slice(0, length).join("")}…` : characters.join("");
}

function FilterForm(props: { filter: TraceListFilter }) {
  const { filter } = props;
  return (
    <form method="get" action="/admin/traces" class="filters card" id="filters">
      <label>
        Search
        <input type="search" name="q" value={filter.text ?? ""} placeholder="question or answer" />
      </label>
      <Select name="platform" label="Platform" value={filter.platform} choices={PLATFORMS} />
      <Select name="mode" label="Mode" value={filter.mode} choices={MODES} />
      <Select name="feedback" label="Feedback" value={filter.feedback} choices={FEEDBACK_CHOICES} />
      <label>
        From
        <input type="date" name="from" value={filter.from ?? ""} />
      </label>
      <label>
        To
        <input type="date" name="to" value={filter.to ?? ""} />
      </label>
      {filter.user && <input type="hidden" name="user" value={filter.user} />}
      <label class="check">
        <input type="checkbox" name="weak" value="1" checked={filter.weak === true} /> weak retrieval only
      </label>
      <button type="submit">Filter</button>
      <a href="/admin/traces">Clear</a>
    </form>
  );
}

/** The export takes the list's filters, but every page of them, not the one shown. */
function exportQuery(filter: TraceListFilter, format: "csv" | "jsonl"): string {
  const query = filterQuery(filter, { before: undefined });
  return `${query ? `${query}&` : "?"}format=${format}`;
}

export function TraceListPage(props: {
  rows: TraceRow[];
  filter: TraceListFilter;
  total: number;
  nextCursor?: string;
}) {
  const { filter } = props;
  return (
    <Layout title="Traces" section="traces">
      <h1>Traces</h1>
      <FilterForm filter={filter} />
      <p class="downloads">
        Download every matching trace (students as pseudonyms):{" "}
        <a
          class="button"
          id="export-csv"
          href={`/api/admin/traces/export${exportQuery(filter, "csv")}`}
          download
        >
          CSV
        </a>{" "}
        <a
          class="button"
          id="export-jsonl"
          href={`/api/admin/traces/export${exportQuery(filter, "jsonl")}`}
          download
        >
          JSON lines
        </a>
      </p>
      <p class="muted">
        {props.total} matching{filter.before ? " (older page)" : ""}
        {filter.user && (
          <>
            {" "}
            · user {filter.user}{" "}
            <a href={`/admin/traces${filterQuery(filter, { user: undefined })}`}>show everyone</a>
          </>
        )}
      </p>
      <div class="scroll">
        <table class="cards" id="trace-list">
          <thead>
            <tr>
              <th>Time</th>
              <th>Platform</th>
              <th>User</th>
              <th>Question</th>
              <th>Answer</th>
              <th>Mode</th>
              <th class="num">Latency</th>
              <th>Feedback</th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map(({ trace, time, pseudonym, weak }) => (
              <tr class={trace.mode === "crisis" ? "crisis" : undefined}>
                <td class="nowrap" data-label="Time">
                  <a href={`/admin/traces/${encodeURIComponent(trace.id)}`}>{time}</a>
                </td>
                <td data-label="Platform">{trace.platform}</td>
                <td class="nowrap" data-label="User">
                  <a href={`/admin/traces${filterQuery(filter, { user: pseudonym, before: undefined })}`}>
                    {pseudonym}
                  </a>
                </td>
                <td data-label="Question">
                  <a href={`/admin/traces/${encodeURIComponent(trace.id)}`}>{clip(trace.question, 80)}</a>
                </td>
                <td class="muted" data-label="Answer">
                  {clip(trace.answer, 60)}
                </td>
                <td data-label="Mode">
                  <ModeBadge mode={trace.mode} /> {weak && <span class="badge weak">weak</span>}{" "}
                  {trace.status !== "ok" && <span class="badge failed">{trace.status}</span>}
                </td>
                <td class="num" data-label="Latency">
                  {formatNumber(trace.timings.totalMs)} ms
                </td>
                <td data-label="Feedback">
                  <FeedbackBadge feedback={trace.feedback} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {props.rows.length === 0 && <p class="muted">No traces match.</p>}
      <nav class="pager">
        {filter.before && <a href={`/admin/traces${filterQuery(filter, { before: undefined })}`}>« Newest</a>}
        {props.nextCursor && (
          <a href={`/admin/traces${filterQuery(filter, { before: props.nextCursor })}`}>Older »</a>
        )}
      </nav>
    </Layout>
  );
}
