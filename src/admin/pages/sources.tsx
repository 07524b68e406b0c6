/** The corpus page's web sources (CORPUS_SOURCES): last fetch, status, next sync; sync now; add one. */
import type { SourceView } from "../corpus-admin.ts";
import { safeExternalHref } from "./safe-link.ts";

export function Sources(props: { sources: SourceView[]; time(iso: string): string }) {
  return (
    <section id="sources" class="stack">
      <h2>Web sources ({props.sources.length})</h2>
      <div class="scroll">
        <table class="cards" id="source-list">
          <thead>
            <tr>
              <th>Source</th>
              <th>Last fetch</th>
              <th>Status</th>
              <th>Next sync</th>
            </tr>
          </thead>
          <tbody>
            {props.sources.map((source) => (
              <tr data-url={source.url}>
                <td data-label="Source">
                  {safeExternalHref(source.url) ? (
                    <a href={safeExternalHref(source.url)} rel="noreferrer noopener" target="_blank">
                      {source.url}
                    </a>
                  ) : (
                    source.url
                  )}
                  <div class="muted">
                    {[
                      source.title,
                      `every ${source.every || "default"}`,
                      source.pages > 1 ? `${source.pages} pages` : "",
                    ]
                      .filter(Boolean)
                      .join(" · ")}
                  </div>
                </td>
                <td class="nowrap" data-label="Last fetch">
                  {source.lastFetch ? props.time(source.lastFetch) : "never"}
                </td>
                <td data-label="Status" class="source-status">
                  {source.status}
                  {source.error && <div class="muted">{source.error}</div>}
                </td>
                <td class="nowrap" data-label="Next sync">
                  {source.nextSync ? props.time(source.nextSync) : "due now"}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="grid">
        <form method="post" action="/admin/corpus/sources/sync" class="card stack" id="sync-sources">
          <h3>Sync now</h3>
          <p class="muted">
            Checks every source (unchanged pages cost one short request) and ingests what changed.
          </p>
          <div>
            <button type="submit" class="secondary">
              Sync now
            </button>
          </div>
        </form>
        <form method="post" action="/admin/corpus/sources/add" class="card stack" id="add-source">
          <h3>Add a source</h3>
          <label>
            URL (a page, a file, or a sitemap.xml)
            <input type="url" name="url" required placeholder="https://course.example.edu/" />
          </label>
          <label>
            Title (optional)
            <input type="text" name="title" />
          </label>
          <label>
            Every (optional, e.g. 6h, 30m, 1d)
            <input type="text" name="every" />
          </label>
          <div>
            <button type="submit">Add and fetch</button>
          </div>
        </form>
      </div>
    </section>
  );
}
