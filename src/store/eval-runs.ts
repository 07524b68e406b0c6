/**
 * Answer-quality evaluation runs (npm run eval -- answers): one row per run with its figures and
 * per-question rows, so the admin Quality page can chart runs over time and compare two of them.
 */
import * as lancedb from "@lancedb/lancedb";
import { Field, Schema, Utf8 } from "apache-arrow";
import { type Database, openOrCreateTable, readRowById, storeCall, type Table } from "./database.ts";

const EVAL_RUNS_TABLE = "eval_runs";

const EVAL_RUN_SCHEMA = new Schema([
  new Field("id", new Utf8(), false),
  new Field("createdAt", new Utf8(), false),
  new Field("model", new Utf8(), false),
  new Field("corpusVersion", new Utf8(), false),
  new Field("promptHash", new Utf8(), false),
  new Field("goldFiles", new Utf8(), false),
  new Field("summary", new Utf8(), false),
  new Field("judge", new Utf8(), false),
  new Field("rows", new Utf8(), false),
]);

/** One question of a run, as stored (the answer is kept so a drill-down needs no trace). */
export interface EvalRunRow {
  question: string;
  traceId: string;
  mode: string;
  answer: string;
  refuse: boolean;
  sourcesHit: boolean | null;
  factRecall: number | null;
  missingFacts: string[];
  citationValidity: number | null;
  invalidCitations: number[];
  unsupportedSentences: string[];
  declined: boolean;
  refusalCorrect: boolean;
  faithfulness: number | null;
  answerRelevance: number | null;
  /** Set when the question could not be answered (the pipeline's error). */
  error?: string;
}

export interface EvalRunFigures {
  questions: number;
  sourcesHit: number | null;
  factRecall: number | null;
  citationValidity: number | null;
  refusalCorrectness: number | null;
  faithfulness: number | null;
  answerRelevance: number | null;
}

export interface EvalRun {
  id: string;
  createdAt: string;
  model: string;
  corpusVersion: number;
  promptHash: string;
  goldFiles: string[];
  summary: EvalRunFigures;
  /** Whether the judge scored this run: "off", "ok", or the failure (URL secrets masked). */
  judge: { status: "off" | "ok" | "failed"; model?: string; error?: string };
  rows: EvalRunRow[];
}

/** A run without its per-question rows (lists and charts). */
export type EvalRunSummary = Omit<EvalRun, "rows">;

const SUMMARY_COLUMNS = EVAL_RUN_SCHEMA.fields.map((field) => field.name).filter((name) => name !== "rows");

function fromRow(row: Record<string, unknown>): EvalRun {
  const text = (name: string) => String(row[name] ?? "");
  return {
    id: text("id"),
    createdAt: text("createdAt"),
    model: text("model"),
    corpusVersion: Number(text("corpusVersion")),
    promptHash: text("promptHash"),
    goldFiles: JSON.parse(text("goldFiles") || "[]"),
    summary: JSON.parse(text("summary") || "{}"),
    judge: JSON.parse(text("judge") || '{"status":"off"}'),
    rows: JSON.parse(text("rows") || "[]"),
  };
}

export class EvalRunStore {
  private constructor(private readonly table: Table) {}

  static async open(database: Database): Promise<EvalRunStore> {
    return new EvalRunStore(await openOrCreateTable(database, EVAL_RUNS_TABLE, EVAL_RUN_SCHEMA));
  }

  async save(run: EvalRun): Promise<void> {
    const row = {
      id: run.id,
      createdAt: run.createdAt,
      model: run.model,
      corpusVersion: String(run.corpusVersion),
      promptHash: run.promptHash,
      goldFiles: JSON.stringify(run.goldFiles),
      summary: JSON.stringify(run.summary),
      judge: JSON.stringify(run.judge),
      rows: JSON.stringify(run.rows),
    };
    await storeCall("saving an evaluation run", () =>
      this.table.add(lancedb.makeArrowTable([row], { schema: EVAL_RUN_SCHEMA })),
    );
  }

  async get(id: string): Promise<EvalRun | undefined> {
    const row = await readRowById(this.table, id, "reading an evaluation run");
    return row ? fromRow(row) : undefined;
  }

  /** Every run, oldest first, without per-question rows. */
  async list(): Promise<EvalRunSummary[]> {
    const rows = await storeCall("listing evaluation runs", () =>
      this.table.query().select(SUMMARY_COLUMNS).toArray(),
    );
    return rows
      .map((row) => {
        const { rows: _rows, ...summary } = fromRow(row);
        return summary;
      })
      .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  }
}
