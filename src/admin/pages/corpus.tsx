/** Corpus: documents, upload, delete, re-ingest, version history with rollback; and one document's chunks. */
import type { DocumentSummary, IngestRecord } from "../../store/index.ts";
import type { Chunk } from "../../types.ts";
import type { SourceView } from "../corpus-admin.ts";
import { formatNumber, Layout, Notice } from "./layout.tsx";
import { safeExternalHref } from "./safe-link.ts";
import { Sources } from "./sources.tsx";

export interface CorpusPageProps {
  documents: DocumentSummary[];
  history: (IngestRecord & { restorable: boolean })[];
  time(iso: string): string;
  maxUploadBytes: number;
  extensions: readonly string[];
  notice?: { message: string; warnings: string[]; error: boolean };
  /** Web sources (CORPUS_SOURCES); undefined when none are configured. */
  sources?: SourceView[];
}

function Documents(props: Pick<CorpusPageProps, "documents" | "time">) {
  return (
    <div class="scroll">
      <table class="cards" id="documents">
        <thead>
          <tr>
            <th>Document</th>
            <th class="num">Chunks</th>
            <th>Last ingest</th>
            <th>Hash</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {props.documents.map((document) => (
            <tr data-path={document.documentPath}>
              <td data-label="Document">
                <a href={`/admin/corpus/document?path=${encodeURIComponent(document.documentPath)}`}>
                  {document.documentPath}
                </a>
                <div class="muted">{document.title}</div>
              </td>
              <td class="num" data-label="Chunks">
                {document.chunkCount}
              </td>
              <td class="nowrap" data-label="Last ingest">
                {props.time(document.ingestedAt)}
              </td>
              <td data-label="Hash">
                <code title={document.contentHash}>{document.contentHash.slice(0, 12)}</code>
              </td>
              <td>
                {/* A web page leaves the corpus when it leaves CORPUS_SOURCES, not from here. */}
                {!/^https?:\/\//i.test(document.documentPath) && (
                  <form
                    method="post"
                    action="/admin/corpus/delete"
                    class="inline"
                    data-confirm={`Delete ${document.documentPath}? (a new version is made; you can roll back)`}
                  >
                    <input type="hidden" name="path" value={document.documentPath} />
                    <button type="submit" class="danger">
                      Delete
                    </button>
                  </form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function describeRecord(record: IngestRecord): string {
  if (record.kind === "rollback") return "rollback";
  const parts = [
    [record.added, "added"],
    [record.updated, "updated"],
    [record.removed, "removed"],
    [record.failed, "failed"],
  ] as const;
  const changed = parts.filter(([count]) => count > 0).map(([count, label]) => `${count} ${label}`);
  return changed.length > 0 ? changed.join(", ") : "no document changes";
}

function History(props: Pick<CorpusPageProps, "history" | "time">) {
  return (
    <div class="scroll">
      <table class="cards" id="history">
        <thead>
          <tr>
            <th class="num">Version</th>
            <th>When</th>
            <th>Change</th>
            <th>Note</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {props.history.map((record, index) => (
            <tr data-version={String(record.version)}>
              <td class="num" data-label="Version">
                {record.version}
                {index === 0 && <span class="badge">current</span>}
              </td>
              <td class="nowrap" data-label="When">
                {props.time(record.at)}
              </td>
              <td data-label="Change">{describeRecord(record)}</td>
              <td class="muted" data-label="Note">
                {record.note}
              </td>
              <td>
                {index > 0 && record.restorable && (
                  <form
                    method="post"
                    action="/admin/corpus/rollback"
                    class="inline"
                    data-confirm={`Roll the corpus back to version ${record.version}?`}
                  >
                    <input type="hidden" name="version" value={String(record.version)} />
                    <button type="submit" class="secondary">
                      Roll back to this
                    </button>
                  </form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function CorpusPage(props: CorpusPageProps) {
  const chunkTotal = props.documents.reduce((sum, document) => sum + document.chunkCount, 0);
  return (
    <Layout title="Corpus" section="corpus">
      <h1>Corpus</h1>
      {props.notice && (
        <Notice message={props.notice.message} warnings={props.notice.warnings} error={props.notice.error} />
      )}
      <div class="grid">
        <form
          method="post"
          action="/admin/corpus/upload"
          enctype="multipart/form-data"
          class="card stack"
          id="upload"
        >
          <h2>Upload a document</h2>
          <label>
            File ({props.extensions.join(", ")}; at most {formatNumber(props.maxUploadBytes / 1024 / 1024, 0)}{" "}
            MB)
            <input type="file" name="file" accept={props.extensions.join(",")} required />
          </label>
          <label>
            Folder (optional, e.g. lectures)
            <input type="text" name="folder" />
          </label>
          <div>
            <button type="submit">Upload and ingest</button>
          </div>
          <p class="muted">
            A file with the same name replaces the old one. Every change makes a new version.
          </p>
        </form>
        <form method="post" action="/admin/corpus/reingest" class="card stack" id="reingest">
          <h2>Re-ingest</h2>
          <p class="muted">Reads the corpus folder again and ingests whatever changed on disk.</p>
          <div>
            <button type="submit" class="secondary">
              Re-ingest now
            </button>
          </div>
        </form>
      </div>
      {props.sources && <Sources sources={props.sources} time={props.time} />}
      <h2>
        Documents ({props.documents.length}, {chunkTotal} chunks)
      </h2>
      <Documents documents={props.documents} time={props.time} />
      <h2>Versions</h2>
      <History history={props.history} time={props.time} />
    </Layout>
  );
}

export function DocumentPage(props: { path: string; chunks: Chunk[] }) {
  return (
    <Layout title={props.path} section="corpus">
      <h1>{props.path}</h1>
      <p>
        <a href="/admin/corpus">« Corpus</a> · {props.chunks.length} chunks
      </p>
      {props.chunks.map((chunk) => (
        <details id={`chunk-${chunk.position}`}>
          <summary>
            #{chunk.position} · {chunk.location || "(no location)"}{" "}
            <span class="muted">· {[...chunk.text].length} characters</span>
          </summary>
          {safeExternalHref(chunk.link) && (
            <p>
              <a href={safeExternalHref(chunk.link)} rel="noreferrer noopener" target="_blank">
                {chunk.link}
              </a>
            </p>
          )}
          <pre>{chunk.text}</pre>
        </details>
      ))}
    </Layout>
  );
}
