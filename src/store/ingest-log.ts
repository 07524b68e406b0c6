/** The human history of the corpus: which chunk-table version each ingest or rollback produced. */
import { Field, Int32, Schema, Utf8 } from "apache-arrow";
import { type Database, openOrCreateTable, storeCall, type Table } from "./database.ts";

const INGESTS_TABLE = "ingests";

export interface IngestRecord {
  version: number;
  at: string;
  kind: "ingest" | "rollback";
  added: number;
  updated: number;
  unchanged: number;
  removed: number;
  failed: number;
  embedModel: string;
  note: string;
}

const INGEST_SCHEMA = new Schema([
  new Field("version", new Int32(), false),
  new Field("at", new Utf8(), false),
  new Field("kind", new Utf8(), false),
  new Field("added", new Int32(), false),
  new Field("updated", new Int32(), false),
  new Field("unchanged", new Int32(), false),
  new Field("removed", new Int32(), false),
  new Field("failed", new Int32(), false),
  new Field("embedModel", new Utf8(), false),
  new Field("note", new Utf8(), false),
]);

export class IngestLog {
  private constructor(private readonly table: Table) {}

  static async open(database: Database): Promise<IngestLog> {
    return new IngestLog(await openOrCreateTable(database, INGESTS_TABLE, INGEST_SCHEMA));
  }

  async record(entry: IngestRecord): Promise<void> {
    await storeCall("recording an ingest", () => this.table.add([{ ...entry }]));
  }

  async list(): Promise<IngestRecord[]> {
    const rows = await storeCall("reading the ingest log", () => this.table.query().toArray());
    return rows
      .map((row) => ({
        version: Number(row.version),
        at: String(row.at),
        kind: String(row.kind) as IngestRecord["kind"],
        added: Number(row.added),
        updated: Number(row.updated),
        unchanged: Number(row.unchanged),
        removed: Number(row.removed),
        failed: Number(row.failed),
        embedModel: String(row.embedModel),
        note: String(row.note),
      }))
      .sort((a, b) => a.version - b.version || a.at.localeCompare(b.at));
  }

  async latest(): Promise<IngestRecord | undefined> {
    return (await this.list()).at(-1);
  }
}
