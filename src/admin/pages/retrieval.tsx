/** Retrieval playground: each retriever's own ranking beside the fused result. */
import type { RetrieverName } from "../../types.ts";
import type { RetrievalView } from "../corpus-admin.ts";
import { formatNumber, Layout, Notice } from "./layout.tsx";

function clip(text: string, length = 160): string {
  const characters = [...text.replace(/\s+/g, " ")];
  return characters.length > length ? `${characters.slice(0, length).join("")}…` : characters.join("");
}

const RETRIEVER_LABELS: Record<RetrieverName, string> = {
  fulltext: "Full-text (BM25, reranked by coverage)",
  words: "Full-text, words (BM25 over word segmentation, reranked by coverage)",
  vector: "Vector (cosine similarity)",
  reranker: "Reranker (cross-encoder)",
};

export function RetrievalPage(props: { question: string; result?: RetrievalView; error?: string }) {
  const { result } = props;
  return (
    <Layout title="Retrieval playground" section="retrieval">
      <h1>Retrieval playground</h1>
      <form method="get" action="/admin/corpus/search" class="filters card" id="retrieval-form">
        <label>
          Question
          <input type="search" name="q" value={props.question} size={50} required />
        </label>
        <button type="submit">Search</button>
      </form>
      <Notice message={props.error} error />
      {result && (
        <>
          <p class="muted">
            {formatNumber(result.retrievalMs, 1)} ms · query terms:{" "}
            <code>{result.queryTerms || "(none)"}</code>
          </p>
          <div class="grid">
            <section class="card" id="fused">
              <h2>Fused (reciprocal rank fusion, then the reranker when one is set)</h2>
              {result.passages.length === 0 && <p class="muted">Nothing found.</p>}
              <ol class="passages">
                {result.passages.map((passage) => (
                  <li>
                    <strong>{passage.chunk.title}</strong> · {passage.chunk.location}{" "}
                    <span class="muted">
                      ({formatNumber(passage.score, 4)};{" "}
                      {passage.retrievers.map((hit) => `${hit.retriever} #${hit.rank}`).join(", ")})
                    </span>
                    <div class="muted">{passage.chunk.documentPath}</div>
                    <div>{clip(passage.chunk.text)}</div>
                  </li>
                ))}
              </ol>
            </section>
            {result.rankings.map((ranking) => (
              <section class="card" id={`ranking-${ranking.retriever}`}>
                <h2>{RETRIEVER_LABELS[ranking.retriever]}</h2>
                {ranking.hits.length === 0 && <p class="muted">Nothing found.</p>}
                <ol class="passages">
                  {ranking.hits.slice(0, 10).map((hit) => (
                    <li>
                      <strong>{hit.chunk.title}</strong> · {hit.chunk.location}{" "}
                      <span class="muted">
                        ({formatNumber(hit.score, ranking.retriever === "vector" ? 3 : 2)})
                      </span>
                      <div class="muted">{hit.chunk.documentPath}</div>
                      <div>{clip(hit.chunk.text)}</div>
                    </li>
                  ))}
                </ol>
              </section>
            ))}
          </div>
        </>
      )}
    </Layout>
  );
}
