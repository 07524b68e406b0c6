/** Chat playground (streams with a small script; plain form post without it) and the next-token view. */
import type { SamplingOptions } from "../../types.ts";
import type { NextTokenResult } from "../services.ts";
import { formatNumber, Layout, Notice, TokenText } from "./layout.tsx";

export interface PlaygroundAnswer {
  passages: { title: string; location: string; score: number; text: string }[];
  answer: string;
  traceId?: string;
  error?: string;
}

function NumberField(props: {
  name: string;
  label: string;
  value?: number;
  min: number;
  max: number;
  step: string;
  hint?: string;
}) {
  return (
    <label>
      {props.label}
      <input
        type="number"
        name={props.name}
        value={props.value === undefined ? "" : String(props.value)}
        min={String(props.min)}
        max={String(props.max)}
        step={props.step}
      />
      {props.hint && (
        <span class="muted" id={`${props.name}-hint`}>
          {props.hint}
        </span>
      )}
    </label>
  );
}

/** The field's upper bound when the server's cap is unknown (the most LLM_MAX_TOKENS accepts). */
const MAX_TOKENS_LIMIT = 32_768;

export function PlaygroundPage(props: {
  sampling?: SamplingOptions;
  /** The server's answer-length cap (LLM_MAX_TOKENS): larger requests are refused. */
  maxTokensCap?: number;
  message?: string;
  result?: PlaygroundAnswer;
}) {
  const { sampling, result, maxTokensCap } = props;
  const maxTokens =
    sampling?.maxTokens === undefined ? undefined : Math.min(sampling.maxTokens, maxTokensCap ?? Infinity);
  return (
    <Layout title="Playground" section="playground">
      <h1>Playground</h1>
      <form method="post" action="/admin/playground" class="card stack" id="playground">
        <label>
          Question
          <textarea name="message" required>
            {props.message ?? ""}
          </textarea>
        </label>
        <div class="row">
          <NumberField
            name="temperature"
            label="Temperature"
            value={sampling?.temperature}
            min={0}
            max={2}
            step="0.05"
          />
          <NumberField name="topP" label="Top-p" value={sampling?.topP} min={0.01} max={1} step="0.01" />
          <NumberField name="topK" label="Top-k" value={sampling?.topK} min={0} max={1000} step="1" />
          <NumberField
            name="maxTokens"
            label="Max tokens"
            value={maxTokens}
            min={1}
            max={maxTokensCap ?? MAX_TOKENS_LIMIT}
            step="1"
            hint={maxTokensCap === undefined ? undefined : `at most ${maxTokensCap} (LLM_MAX_TOKENS)`}
          />
          <button type="submit">Ask</button>
        </div>
        <p class="muted">Answers stream here and are traced like any other (user "admin-playground").</p>
      </form>
      <div id="stream">
        {result && (
          <>
            <Notice message={result.error} error />
            <h2>Passages</h2>
            <ol class="passages">
              {result.passages.map((passage) => (
                <li>
                  <strong>
                    {passage.title} · {passage.location}
                  </strong>{" "}
                  <span class="muted">fused {formatNumber(passage.score, 4)}</span>
                  <pre>{passage.text}</pre>
                </li>
              ))}
            </ol>
            <h2>Answer</h2>
            <div class="answer">{result.answer}</div>
            {result.traceId && (
              <p>
                <a id="trace-link" href={`/admin/traces/${encodeURIComponent(result.traceId)}`}>
                  open trace
                </a>
              </p>
            )}
          </>
        )}
      </div>
    </Layout>
  );
}

/** Makes whitespace in a token visible: "␣" for spaces, "⏎" for newlines, "⇥" for tabs. */
export function visibleToken(token: string): string {
  if (token === "") return "(empty)";
  return token.replace(/ /g, "␣").replace(/\n/g, "⏎").replace(/\t/g, "⇥");
}

export function NextTokenPage(props: {
  prompt: string;
  chatTemplate: boolean;
  result?: NextTokenResult;
  error?: string;
  modelName: string;
}) {
  return (
    <Layout title="Next token" section="next-token">
      <h1>Next-token probabilities</h1>
      <form method="get" action="/admin/playground/next-token" class="card stack" id="next-token-form">
        <label>
          Prompt
          <textarea name="prompt" required>
            {props.prompt}
          </textarea>
        </label>
        <div class="row">
          <label class="check">
            <input type="checkbox" name="chat" value="1" checked={props.chatTemplate} /> wrap as a user
            message in the model's chat template
          </label>
          <button type="submit">Show top 10</button>
        </div>
        <p class="muted">
          Computed by the loaded model ({props.modelName}) in one forward pass; nothing is sampled.
        </p>
      </form>
      <Notice message={props.error} error />
      {props.result && (
        <>
          <table id="next-tokens">
            <thead>
              <tr>
                <th class="num">#</th>
                <th>Token</th>
                <th class="num">Probability</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {props.result.candidates.map((candidate, index) => (
                <tr>
                  <td class="num">{index + 1}</td>
                  <td>
                    <code title={JSON.stringify(candidate.token)}>{visibleToken(candidate.token)}</code>
                  </td>
                  <td class="num">{formatNumber(candidate.probability * 100, 2)}%</td>
                  <td>
                    <meter min={0} max={1} value={candidate.probability} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <details>
            <summary>Exact text evaluated</summary>
            <TokenText text={props.result.prompt} />
          </details>
        </>
      )}
    </Layout>
  );
}
