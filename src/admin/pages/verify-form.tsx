/** On a trace page: approve the TA's answer as it is, or write the right one, as a verified answer. */
import type { Trace } from "../../types.ts";

export function VerifyForm(props: { trace: Pick<Trace, "id" | "question" | "answer" | "mode"> }) {
  const { trace } = props;
  if (trace.mode === "crisis" || trace.mode === "verified") return null;
  return (
    <section class="card" id="verify">
      <form method="post" action="/admin/verified" class="stack">
        <h2>Teach the TA</h2>
        <p class="muted">
          Approve the answer as it is, or edit it into the right one. Students who ask this again get it at
          once, marked 「✓ 助教確認的答案」.
        </p>
        <input type="hidden" name="traceId" value={trace.id} />
        <label>
          Question
          <textarea name="question" rows={2} required>
            {trace.question}
          </textarea>
        </label>
        <label>
          Answer
          <textarea name="answer" rows={6} required>
            {trace.answer}
          </textarea>
        </label>
        <label>
          Sources (one per line: title | https://link)
          <textarea name="sources" rows={2} />
        </label>
        <div>
          <button type="submit" name="action" value="approve">
            Save as verified answer
          </button>
        </div>
      </form>
    </section>
  );
}
