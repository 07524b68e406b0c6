/**
 * What the last sync of each web source found (validators, status, misses in a row), one row per
 * page URL. Written only when something changed, so a sync that finds nothing new writes nothing.
 * The table is opened by name and created on first use (object stores do not list tables reliably).
 */
import { Field, Schema, Utf8 } from "apache-arrow";
import { type Database, openOrCreateTable, sqlString, storeCall, type Table } from "./database.ts";

const SOURCES_TABLE = "sources";
const SOURCES_SCHEMA = new Schema([
  new Field("url", new Utf8(), false),
  new Field("state", new Utf8(), false),
]);

export interface SourceState {
  /** The page URL (for a sitemap entry, the page, not the sitemap). */
  url: string;
  /** The CORPUS_SOURCES entry it comes from (itself, or the sitemap). */
  source: string;
  etag?: string;
  lastModified?: string;
  /** When the content (or the status) last changed, ISO. */
  changedAt?: string;
  /** ok | failed | missing | removed */
  status: "ok" | "failed" | "missing" | "removed";
  /** Why the last fetch failed. */
  error?: string;
  /** 404 / 410 answers in a row. */
  misses: number;
}

export class SourceStateStore {
  private constructor(private readonly table: Table) {}

  static async open(database: Database): Promise<SourceStateStore> {
    return new SourceStateStore(await openOrCreateTable(database, SOURCES_TABLE, SOURCES_SCHEMA));
  }

  async list(): Promise<SourceState[]> {
    const rows = await storeCall("reading the source list", () => this.table.query().toArray());
    return rows.map((row) => JSON.parse(String(row.state)) as SourceState);
  }

  async save(states: readonly SourceState[], forget: readonly string[] = []): Promise<void> {
    if (forget.length > 0)
      await storeCall("forgetting sources", () =>
        this.table.delete(`url IN (${forget.map(sqlString).join(", ")})`),
      );
    if (states.length === 0) return;
    await storeCall("saving the source list", () =>
      this.table
        .mergeInsert("url")
        .whenMatchedUpdateAll()
        .whenNotMatchedInsertAll()
        .execute(states.map((state) => ({ url: state.url, state: JSON.stringify(state) }))),
    );
  }
}
