/** The Quality pages: stored answer-evaluation runs over time, one run's questions, two runs side by side. */
import {
  COMPARED_SCORES,
  type RunComparison,
  type ScoreValue,
  SUMMARY_FIGURES,
} from "../../quality/compare.ts";
import type { EvalRun, EvalRunRow, EvalRunSummary } from "../../store/eval-runs.ts";
import { LineChart } from "./charts.tsx";
import { Layout } from "./layout.tsx";

function show(value: ScoreValue | undefined): string {
  if (value === null || value === undefined) return "–";
  if (typeof value === "boolean") return value ? "yes" : "no";
  return value.toFixed(3);
}

const runLabel = (run: EvalRunSummary, time: (iso: string) => string) =>
  `${time(run.createdAt).slice(0, 16)} · ${run.id}`;

export function QualityPage(props: { runs: EvalRunSummary[]; time: (iso: string) => string }) {
  const { runs } = props;
  const newestFirst = [...runs].reverse();
  return (
    <Layout title="Quality" section="quality">
      <h1>Answer quality</h1>
      {runs.length === 0 ? (
        <p class="notice" id="no-runs">
          No evaluation runs yet. Run <code>npm run eval -- answers --gold eval/corpus-gold.jsonl</code> with
          the model you deploy; each run appears here.
        </p>
      ) : (
        <>
          <LineChart
            id="chart-runs"
            title="Evaluation runs over time"
            note="(0–1, higher is better)"
            labels={runs.map((run) => props.time(run.createdAt).slice(0, 16))}
            labelHeader="Run"
            max={1}
            series={SUMMARY_FIGURES.map(([key, label]) => ({
              name: label,
              values: runs.map((run) => run.summary[key]),
            }))}
          />
          <form method="get" action="/admin/quality/compare" class="filters card" id="compare-form">
            <label>
              Before
              <select name="base">
                {newestFirst.map((run, index) => (
                  <option value={run.id} selected={index === 1}>
                    {runLabel(run, props.time)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              After
              <select name="next">
                {newestFirst.map((run, index) => (
                  <option value={run.id} selected={index === 0}>
                    {runLabel(run, props.time)}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit">Compare</button>
          </form>
          <div class="scroll">
            <table class="cards" id="runs">
              <thead>
                <tr>
                  <th>Run</th>
                  <th>Model</th>
                  <th class="num">Corpus</th>
                  <th>Prompts</th>
                  <th class="num">Questions</th>
                  {SUMMARY_FIGURES.map(([, label]) => (
                    <th class="num">{label}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {newestFirst.map((run) => (
                  <tr data-run={run.id}>
                    <td class="nowrap" data-label="Run">
                      <a href={`/admin/quality/runs/${encodeURIComponent(run.id)}`}>
                        {props.time(run.createdAt).slice(0, 16)}
                      </a>
                    </td>
                    <td data-label="Model">{run.model}</td>
                    <td class="num" data-label="Corpus">
                      v{run.corpusVersion}
                    </td>
                    <td data-label="Prompts">
                      <code>{run.promptHash}</code>
                    </td>
                    <td class="num" data-label="Questions">
                      {run.summary.questions}
                    </td>
                    {SUMMARY_FIGURES.map(([key, label]) => (
                      <td class="num" data-label={label} data-figure={key}>
                        {show(run.summary[key])}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      <p class="muted">
        How each figure is measured, and how to write a gold set: README, "Checking answer quality".
      </p>
    </Layout>
  );
}

function TraceLink(props: { row: EvalRunRow }) {
  if (!props.row.traceId) return <span class="muted">no trace</span>;
  return <a href={`/admin/traces/${encodeURIComponent(props.row.traceId)}`}>trace</a>;
}

export function RunPage(props: { run: EvalRun; time: (iso: string) => string }) {
  const { run } = props;
  return (
    <Layout title={`Run ${run.id}`} section="quality">
      <h1>Run {run.id}</h1>
      <dl class="facts card">
        <dt>When</dt>
        <dd>{props.time(run.createdAt)}</dd>
        <dt>Model</dt>
        <dd>{run.model}</dd>
        <dt>Corpus version</dt>
        <dd>{run.corpusVersion}</dd>
        <dt>Prompts</dt>
        <dd>{run.promptHash}</dd>
        <dt>Gold</dt>
        <dd>{run.goldFiles.join(", ")}</dd>
        <dt>Judge</dt>
        <dd>
          {run.judge.status === "failed"
            ? `failed: ${run.judge.error}`
            : run.judge.status === "ok"
              ? run.judge.model
              : "off"}
        </dd>
        {SUMMARY_FIGURES.map(([key, label]) => (
          <>
            <dt>{label}</dt>
            <dd data-figure={key}>{show(run.summary[key])}</dd>
          </>
        ))}
      </dl>
      <div class="scroll">
        <table class="cards" id="run-rows">
          <thead>
            <tr>
              <th>Question</th>
              <th>Mode</th>
              {COMPARED_SCORES.map(([, label]) => (
                <th class="num">{label}</th>
              ))}
              <th>Trace</th>
            </tr>
          </thead>
          <tbody>
            {run.rows.map((row) => (
              <tr class={row.refusalCorrect ? undefined : "wrong"}>
                <td data-label="Question">
                  <details>
                    <summary>{row.question}</summary>
                    <div class="text-block">{row.answer || row.error || "(no answer)"}</div>
                    {row.missingFacts.length > 0 && <p>Missing facts: {row.missingFacts.join(" · ")}</p>}
                    {row.invalidCitations.length > 0 && (
                      <p>
                        Citations naming no passage: {row.invalidCitations.map((n) => `[${n}]`).join(" ")}
                      </p>
                    )}
                    {row.unsupportedSentences.length > 0 && (
                      <p>Cited but not supported: {row.unsupportedSentences.join(" / ")}</p>
                    )}
                  </details>
                </td>
                <td data-label="Mode">
                  <span class="badge">{row.mode}</span>{" "}
                  {row.refuse && <span class="muted">(should decline)</span>}
                </td>
                {COMPARED_SCORES.map(([key, label]) => (
                  <td class="num" data-label={label}>
                    {show(row[key] as ScoreValue)}
                  </td>
                ))}
                <td data-label="Trace">
                  <TraceLink row={row} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Layout>
  );
}

function Delta(props: { before: number | null; after: number | null }) {
  if (props.before === null || props.after === null) return <span class="muted">–</span>;
  const delta = props.after - props.before;
  const text = `${delta > 0 ? "+" : ""}${delta.toFixed(3)}`;
  return <span class={delta > 0 ? "delta better" : delta < 0 ? "delta worse" : "delta"}>{text}</span>;
}

export function ComparePage(props: {
  base: EvalRun;
  next: EvalRun;
  comparison: RunComparison;
  time: (iso: string) => string;
}) {
  const { base, next, comparison } = props;
  return (
    <Layout title="Compare runs" section="quality">
      <h1>Two runs side by side</h1>
      <div class="scroll">
        <table id="compare-figures">
          <thead>
            <tr>
              <th>Figure</th>
              <th class="num">
                <a href={`/admin/quality/runs/${encodeURIComponent(base.id)}`}>
                  {props.time(base.createdAt).slice(0, 16)}
                </a>
                <br />
                <span class="muted">{base.model}</span>
              </th>
              <th class="num">
                <a href={`/admin/quality/runs/${encodeURIComponent(next.id)}`}>
                  {props.time(next.createdAt).slice(0, 16)}
                </a>
                <br />
                <span class="muted">{next.model}</span>
              </th>
              <th class="num">Change</th>
            </tr>
          </thead>
          <tbody>
            {comparison.figures.map((figure) => (
              <tr>
                <td>{figure.figure}</td>
                <td class="num">{show(figure.before)}</td>
                <td class="num">{show(figure.after)}</td>
                <td class="num">
                  <Delta before={figure.before} after={figure.after} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Questions whose scores changed ({comparison.changed.length})</h2>
      {comparison.changed.length === 0 && <p class="muted">None: every question scored the same.</p>}
      <div class="scroll">
        <table class="cards" id="changed">
          <tbody>
            {comparison.changed.map((change) => (
              <tr class={change.direction < 0 ? "worse" : change.direction > 0 ? "better" : undefined}>
                <td data-label="Question">
                  {change.question}{" "}
                  <span
                    class={
                      change.direction < 0 ? "delta worse" : change.direction > 0 ? "delta better" : "muted"
                    }
                  >
                    {change.direction < 0 ? "worse" : change.direction > 0 ? "better" : "mixed"}
                  </span>
                </td>
                <td data-label="Changes">
                  {change.changes
                    .map((item) => `${item.score} ${show(item.before)} → ${show(item.after)}`)
                    .join(", ")}
                </td>
                <td data-label="Traces" class="nowrap">
                  <TraceLink row={change.before} /> → <TraceLink row={change.after} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {comparison.onlyInNext.length > 0 && (
        <p class="muted">New questions: {comparison.onlyInNext.join(" · ")}</p>
      )}
      {comparison.onlyInBase.length > 0 && (
        <p class="muted">No longer asked: {comparison.onlyInBase.join(" · ")}</p>
      )}
    </Layout>
  );
}
