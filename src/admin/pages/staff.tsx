/** The staff loop's pages: verified answers (list, edit) and the hand-off queue (list, reply). */
import type { Handoff } from "../../store/handoffs.ts";
import type { VerifiedAnswer } from "../../store/verified-answers.ts";
import type { ConversationTurn } from "../../types.ts";
import { Layout, Notice } from "./layout.tsx";

export function sourcesText(answer: Pick<VerifiedAnswer, "sources">): string {
  return answer.sources
    .map((source) => (source.title ? `${source.title} | ${source.link}` : source.link))
    .join("\n");
}

function AnswerFields(props: { answer?: VerifiedAnswer }) {
  const { answer } = props;
  return (
    <>
      <label>
        Question
        <textarea name="question" rows={2} required>
          {answer?.question ?? ""}
        </textarea>
      </label>
      <label>
        Answer
        <textarea name="answer" rows={6} required>
          {answer?.answer ?? ""}
        </textarea>
      </label>
      <label>
        Sources (one per line: title | https://link)
        <textarea name="sources" rows={2}>
          {answer ? sourcesText(answer) : ""}
        </textarea>
      </label>
      <label>
        Stop serving it after (optional)
        <input type="date" name="expiresAt" value={answer?.expiresAt ? answer.expiresAt.slice(0, 10) : ""} />
      </label>
    </>
  );
}

export function VerifiedListPage(props: {
  answers: { answer: VerifiedAnswer; served: number; updated: string; servable: boolean }[];
  notice?: { message: string; error: boolean };
}) {
  return (
    <Layout title="Verified answers" section="verified">
      <h1>Verified answers</h1>
      <Notice message={props.notice?.message} error={props.notice?.error} />
      <div class="scroll">
        <table class="cards" id="verified">
          <thead>
            <tr>
              <th>Question</th>
              <th>Answer</th>
              <th class="num">Served</th>
              <th>Status</th>
              <th>Updated</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {props.answers.map(({ answer, served, updated, servable }) => (
              <tr data-id={answer.id}>
                <td data-label="Question">
                  <a href={`/admin/verified/${encodeURIComponent(answer.id)}`}>{answer.question}</a>
                </td>
                <td data-label="Answer" class="answer">
                  {answer.answer.slice(0, 120)}
                </td>
                <td data-label="Served" class="num served">
                  {served}
                </td>
                <td data-label="Status">
                  <span class={servable ? "badge" : "badge failed"}>
                    {answer.status === "retired" ? "retired" : servable ? "active" : "expired"}
                  </span>
                  {answer.expiresAt && <span class="muted"> until {answer.expiresAt.slice(0, 10)}</span>}
                </td>
                <td data-label="Updated">{updated}</td>
                <td>
                  <form method="post" action={`/admin/verified/${encodeURIComponent(answer.id)}/status`}>
                    <input
                      type="hidden"
                      name="status"
                      value={answer.status === "retired" ? "active" : "retired"}
                    />
                    <button type="submit" class="secondary">
                      {answer.status === "retired" ? "Serve again" : "Retire"}
                    </button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {props.answers.length === 0 && (
        <p class="muted">No verified answers yet: approve one from a trace page.</p>
      )}
      <section class="card">
        <form method="post" action="/admin/verified" class="stack" id="add-verified">
          <h2>Add one</h2>
          <AnswerFields />
          <div>
            <button type="submit">Add</button>
          </div>
        </form>
      </section>
    </Layout>
  );
}

export function VerifiedEditPage(props: { answer: VerifiedAnswer; served: number; notice?: string }) {
  const { answer } = props;
  return (
    <Layout title="Verified answer" section="verified">
      <h1>Verified answer</h1>
      <Notice message={props.notice} />
      <p class="muted">
        Served {props.served} times.{" "}
        {answer.traceId && (
          <a href={`/admin/traces/${encodeURIComponent(answer.traceId)}`}>From this trace</a>
        )}
      </p>
      <section class="card">
        <form
          method="post"
          action={`/admin/verified/${encodeURIComponent(answer.id)}`}
          class="stack"
          id="edit-verified"
        >
          <AnswerFields answer={answer} />
          <div>
            <button type="submit">Save</button>
          </div>
        </form>
      </section>
      <form method="post" action={`/admin/verified/${encodeURIComponent(answer.id)}/delete`}>
        <button type="submit" class="danger">
          Delete
        </button>
      </form>
    </Layout>
  );
}

export function HandoffListPage(props: {
  rows: { handoff: Handoff; pseudonym: string; age: string }[];
  status: string;
}) {
  const tabs = ["open", "answered", "closed", "all"];
  return (
    <Layout title="Hand-offs" section="handoffs">
      <h1>Students asking for a person</h1>
      <p>
        {tabs.map((tab) => (
          <>
            {tab === props.status ? (
              <strong>{tab}</strong>
            ) : (
              <a href={`/admin/handoffs?status=${tab}`}>{tab}</a>
            )}{" "}
          </>
        ))}
      </p>
      <div class="scroll">
        <table class="cards" id="handoffs">
          <thead>
            <tr>
              <th>Waiting</th>
              <th>Student</th>
              <th>Question</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map(({ handoff, pseudonym, age }) => (
              <tr data-id={handoff.id}>
                <td data-label="Waiting">{age}</td>
                <td data-label="Student">
                  {pseudonym} <span class="muted">· {handoff.platform}</span>
                </td>
                <td data-label="Question">
                  <a href={`/admin/handoffs/${encodeURIComponent(handoff.id)}`}>{handoff.question}</a>
                </td>
                <td data-label="Status">
                  <span class="badge">{handoff.status}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {props.rows.length === 0 && <p class="muted">Nobody is waiting.</p>}
    </Layout>
  );
}

export function HandoffDetailPage(props: {
  handoff: Handoff;
  pseudonym: string;
  age: string;
  conversation: (ConversationTurn & { time: string })[];
  notice?: { message: string; error: boolean };
}) {
  const { handoff } = props;
  return (
    <Layout title="Hand-off" section="handoffs">
      <h1>
        {props.pseudonym}{" "}
        <span class="muted">
          · {handoff.platform} · {props.age}
        </span>
      </h1>
      <Notice message={props.notice?.message} error={props.notice?.error} />
      <h2>Question</h2>
      <div class="text-block" id="question">
        {handoff.question}
      </div>
      {handoff.traceId && (
        <p>
          <a href={`/admin/traces/${encodeURIComponent(handoff.traceId)}`}>The trace of this question</a>
        </p>
      )}
      <h2>Conversation so far</h2>
      {props.conversation.length === 0 && <p class="muted">No earlier questions in this conversation.</p>}
      <ol id="conversation">
        {props.conversation.map((turn) => (
          <li>
            <span class="muted">
              {turn.time} · {turn.role === "user" ? "student" : "TA"}
            </span>
            <div>{turn.content.slice(0, 600)}</div>
          </li>
        ))}
      </ol>
      {handoff.status === "open" ? (
        <section class="card">
          <form
            method="post"
            action={`/admin/handoffs/${encodeURIComponent(handoff.id)}/reply`}
            class="stack"
            id="reply"
          >
            <h2>Reply</h2>
            <p class="muted">
              Sent once to the student on {handoff.platform}, marked as coming from the course staff.
            </p>
            <label>
              Your answer
              <textarea name="text" rows={6} required />
            </label>
            <label class="check">
              <input type="checkbox" name="saveAsVerified" value="1" /> Also save as a verified answer
            </label>
            <div>
              <button type="submit">Send</button>
            </div>
          </form>
        </section>
      ) : (
        <section class="card" id="sent">
          <h2>Reply ({handoff.status})</h2>
          <div class="text-block">{handoff.reply || "(closed without a reply)"}</div>
          <p class="muted">
            {handoff.deliveredAt
              ? "Delivered."
              : handoff.deliveryError
                ? `Not delivered: ${handoff.deliveryError}`
                : ""}
          </p>
          {handoff.status === "answered" && !handoff.deliveredAt && handoff.deliveryError && (
            <form method="post" action={`/admin/handoffs/${encodeURIComponent(handoff.id)}/redeliver`}>
              <button type="submit">Send again</button>
            </form>
          )}
        </section>
      )}
      {handoff.status !== "closed" && (
        <form method="post" action={`/admin/handoffs/${encodeURIComponent(handoff.id)}/close`}>
          <button type="submit" class="secondary">
            Close
          </button>
        </form>
      )}
    </Layout>
  );
}
