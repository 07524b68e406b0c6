/** Knowledge gaps: weak-retrieval questions grouped by similarity. */
import type { TraceSummary } from "../../store/traces.ts";
import type { GapGroup } from "../knowledge-gaps.ts";
import { formatNumber, Layout } from "./layout.tsx";

export interface GapItem {
  trace: TraceSummary;
  time: string;
  /** Best full-text and vector scores, for context. */
  best: { fulltext?: number; vector?: number };
}

export function GapsPage(props: {
  groups: GapGroup<GapItem>[];
  days: number;
  weakCount: number;
  totalCount: number;
  thresholds: { fulltext: number; vector: number };
}) {
  return (
    <Layout title="Knowledge gaps" section="gaps">
      <h1>Knowledge gaps</h1>
      <form method="get" action="/admin/gaps" class="filters card">
        <label>
          Last
          <select name="days">
            {[7, 30, 90, 180].map((days) => (
              <option value={String(days)} selected={days === props.days}>
                {days} days
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Show</button>
      </form>
      <p class="muted">
        {props.weakCount} of {props.totalCount} answered questions had weak retrieval (best full-text score
        under {props.thresholds.fulltext} and best vector similarity under {props.thresholds.vector}), in{" "}
        {props.groups.length} groups of similar questions. Large groups are what the corpus is missing.
      </p>
      <div id="gaps">
        {props.groups.map((group) => (
          <details class="gap" open={group.items.length > 1}>
            <summary>
              <span class="badge weak">{group.items.length}×</span> {group.representative}
            </summary>
            <ul>
              {group.items.map((item) => (
                <li>
                  <a href={`/admin/traces/${encodeURIComponent(item.trace.id)}`}>{item.trace.question}</a>{" "}
                  <span class="muted">
                    · {item.time} · BM25 {formatNumber(item.best.fulltext, 2)} · cosine{" "}
                    {formatNumber(item.best.vector, 3)}
                  </span>
                </li>
              ))}
            </ul>
          </details>
        ))}
      </div>
      {props.groups.length === 0 && <p class="muted">No weak retrieval in this period.</p>}
    </Layout>
  );
}
