/** One trace: what the model saw (passages, prompt by section), how it sampled, how long it took. */
import type { TraceSummary } from "../../store/traces.ts";
import type { RetrieverName, Trace, TracePassage } from "../../types.ts";
import { foldPrompt, type PromptSection } from "../prompt-sections.ts";
import { formatNumber, Layout, TokenText } from "./layout.tsx";
import { safeExternalHref } from "./safe-link.ts";
import { FeedbackBadge } from "./trace-list.tsx";
import { VerifyForm } from "./verify-form.tsx";

const SECTION_LABELS: Record<PromptSection["kind"], string> = {
  preamble: "Before the first turn",
  system: "System prompt",
  history: "History",
  passages: "Passages",
  question: "Question",
  generation: "Generation prompt (the answer starts here)",
  whole: "Prompt",
};

function RetrieverCell(props: { passage: TracePassage; retriever: RetrieverName }) {
  const hit = props.passage.retrievers.find((candidate) => candidate.retriever === props.retriever);
  if (!hit) return <span class="muted">–</span>;
  return (
    <span>
      #{hit.rank} <span class="muted">({formatNumber(hit.score, props.retriever === "vector" ? 3 : 2)})</span>
    </span>
  );
}

function Passages(props: { passages: TracePassage[] }) {
  if (props.passages.length === 0) return <p class="muted">No passages were retrieved.</p>;
  const reranked = props.passages.some((passage) =>
    passage.retrievers.some((hit) => hit.retriever === "reranker"),
  );
  return (
    <div class="scroll">
      <table class="cards" id="passages">
        <thead>
          <tr>
            <th class="num">{reranked ? "Final" : "Fused"}</th>
            <th>Full-text rank (BM25)</th>
            <th>Words rank (BM25)</th>
            <th>Vector rank (cosine)</th>
            {reranked && <th>Reranker rank (cross-encoder)</th>}
            <th>Source</th>
          </tr>
        </thead>
        <tbody>
          {props.passages.map((passage) => (
            <tr>
              <td class="num" data-label="Fused rank">
                #{passage.rank} <span class="muted">({formatNumber(passage.score, 4)})</span>
              </td>
              <td data-label="Full-text">
                <RetrieverCell passage={passage} retriever="fulltext" />
              </td>
              <td data-label="Words">
                <RetrieverCell passage={passage} retriever="words" />
              </td>
              <td data-label="Vector">
                <RetrieverCell passage={passage} retriever="vector" />
              </td>
              {reranked && (
                <td data-label="Reranker">
                  <RetrieverCell passage={passage} retriever="reranker" />
                </td>
              )}
              <td data-label="Source">
                <strong>{passage.title}</strong> · {passage.location}
                <div class="muted">
                  <a href={`/admin/corpus/document?path=${encodeURIComponent(passage.documentPath)}`}>
                    {passage.documentPath}
                  </a>
                  {safeExternalHref(passage.link) && (
                    <>
                      {" "}
                      ·{" "}
                      <a href={safeExternalHref(passage.link)} rel="noreferrer noopener" target="_blank">
                        open the source ↗
                      </a>
                    </>
                  )}
                </div>
                <details>
                  <summary>Text ({[...passage.text].length} characters)</summary>
                  <pre>{passage.text}</pre>
                </details>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Prompt(props: { prompt: string }) {
  const sections = foldPrompt(props.prompt);
  if (sections.length === 0)
    return <p class="muted">No model prompt (retrieval-only answer, or it failed before generation).</p>;
  return (
    <div id="prompt">
      {sections.map((section) => (
        <details open={section.kind === "question"} data-section={section.kind}>
          <summary>
            {SECTION_LABELS[section.kind]}
            {section.messages ? ` (${section.messages} messages)` : ""}{" "}
            <span class="muted">· {[...section.text].length} characters</span>
          </summary>
          <TokenText text={section.text} />
        </details>
      ))}
      <details data-section="raw">
        <summary>
          Whole prompt, exactly as the model saw it{" "}
          <span class="muted">· {[...props.prompt].length} characters</span>
        </summary>
        <TokenText text={props.prompt} />
      </details>
    </div>
  );
}

function Facts(props: { rows: [string, unknown][] }) {
  return (
    <dl class="facts">
      {props.rows.map(([label, value]) => (
        <>
          <dt>{label}</dt>
          <dd>{value as string}</dd>
        </>
      ))}
    </dl>
  );
}

export interface TraceDetailProps {
  trace: Trace;
  time: string;
  pseudonym: string;
  weak: boolean;
  conversation: { trace: TraceSummary; time: string }[];
}

export function TraceDetailPage(props: TraceDetailProps) {
  const { trace } = props;
  const { sampling, usage, timings } = trace;
  // Older traces have no reuse count: nothing was reused then.
  const reusedPromptTokens = usage.reusedPromptTokens ?? 0;
  return (
    <Layout title="Trace" section="traces">
      <h1>
        Trace <span class="muted">{props.time}</span>
      </h1>
      <div class="card" id="facts">
        <Facts
          rows={[
            ["Platform", trace.platform],
            [
              "User",
              <a href={`/admin/traces?user=${encodeURIComponent(props.pseudonym)}`}>{props.pseudonym}</a>,
            ],
            ["Mode", <span class="badge">{trace.mode}</span>],
            ["Status", <span class={trace.status === "ok" ? "badge" : "badge failed"}>{trace.status}</span>],
            ["Retrieval", props.weak ? <span class="badge weak">weak</span> : "ok"],
            ["Feedback", <FeedbackBadge feedback={trace.feedback} />],
            ["Model", trace.model],
            ["Trace id", <code>{trace.id}</code>],
            ...(trace.error
              ? ([["Error", `${trace.error.code}: ${trace.error.message}`]] as [string, unknown][])
              : []),
          ]}
        />
      </div>
      <h2>Question</h2>
      <div class="text-block" id="question">
        {trace.question}
      </div>
      <h2>Answer</h2>
      <div class="text-block" id="answer">
        {trace.answer || "(empty)"}
      </div>
      <VerifyForm trace={trace} />
      <h2>Passages ({trace.passages.length})</h2>
      <Passages passages={trace.passages} />
      <h2>Prompt</h2>
      <Prompt prompt={trace.prompt} />
      <div class="grid">
        <section class="card" id="sampling">
          <h2>Sampling</h2>
          <Facts
            rows={[
              ["Temperature", sampling.temperature],
              ["Top-p", sampling.topP],
              ["Top-k", sampling.topK],
              ["Min-p", sampling.minP],
              ["Repeat penalty", sampling.repeatPenalty],
              ["Max tokens", sampling.maxTokens],
              ["Seed", sampling.seed ?? "random"],
            ]}
          />
        </section>
        <section class="card" id="timings">
          <h2>Tokens and timings</h2>
          <Facts
            rows={[
              ["Prompt tokens", formatNumber(usage.promptTokens)],
              ["Prompt tokens evaluated", formatNumber(usage.promptTokens - reusedPromptTokens)],
              ["Prompt tokens reused", formatNumber(reusedPromptTokens)],
              ["Answer tokens", formatNumber(usage.completionTokens)],
              ["Retrieval", `${formatNumber(timings.retrievalMs, 1)} ms`],
              ["First token", `${formatNumber(timings.firstTokenMs, 1)} ms`],
              ["Total", `${formatNumber(timings.totalMs, 1)} ms`],
              ["Speed", `${formatNumber(timings.tokensPerSecond, 1)} tokens/s`],
            ]}
          />
        </section>
      </div>
      <h2>
        Conversation ({props.conversation.length} {props.conversation.length === 1 ? "question" : "questions"}
        )
      </h2>
      <ol id="conversation">
        {props.conversation.map((entry) => (
          <li>
            <span class="muted">{entry.time}</span>{" "}
            {entry.trace.id === trace.id ? (
              <strong>{entry.trace.question} (this trace)</strong>
            ) : (
              <a href={`/admin/traces/${encodeURIComponent(entry.trace.id)}`}>{entry.trace.question}</a>
            )}
            <div class="muted answer">{entry.trace.answer.slice(0, 200)}</div>
          </li>
        ))}
      </ol>
    </Layout>
  );
}
