/**
 * Verified answers: answers staff approved or wrote, served to matching questions without the model.
 * They live in LanceDB beside the corpus; every change is a table version, so a corpus rollback can
 * bring them back as they were (restoreAsOf). Which trace was served which answer goes to a second,
 * append-only table, so serving never makes a new version of the answers themselves.
 */
import { Field, Schema, Utf8 } from "apache-arrow";
import { AppError } from "../errors.ts";
import type { Database, Table } from "./database.ts";
import { openOrCreateTable, readRowById, sqlString, storeCall } from "./database.ts";

const ANSWERS_TABLE = "verified_answers";
const SERVED_TABLE = "verified_served";

export interface VerifiedSource {
  title: string;
  link: string;
}

export interface VerifiedAnswer {
  id: string;
  question: string;
  answer: string;
  sources: VerifiedSource[];
  /** The trace it was approved or corrected from; "" when written from scratch. */
  traceId: string;
  createdAt: string;
  updatedAt: string;
  status: "active" | "retired";
  /** ISO time after which it is no longer served; "" for never. */
  expiresAt: string;
}

export type VerifiedDraft = Pick<VerifiedAnswer, "question" | "answer"> &
  Partial<Pick<VerifiedAnswer, "sources" | "traceId" | "expiresAt" | "status">>;

const ANSWER_SCHEMA = new Schema([
  new Field("id", new Utf8(), false),
  new Field("question", new Utf8(), false),
  new Field("answer", new Utf8(), false),
  new Field("sources", new Utf8(), false),
  new Field("traceId", new Utf8(), false),
  new Field("createdAt", new Utf8(), false),
  new Field("updatedAt", new Utf8(), false),
  new Field("status", new Utf8(), false),
  new Field("expiresAt", new Utf8(), false),
]);

const SERVED_SCHEMA = new Schema([
  new Field("answerId", new Utf8(), false),
  new Field("traceId", new Utf8(), false),
  new Field("at", new Utf8(), false),
]);

function toRow(answer: VerifiedAnswer): Record<string, string> {
  return { ...answer, sources: JSON.stringify(answer.sources) };
}

function fromRow(row: Record<string, unknown>): VerifiedAnswer {
  const text = (name: string) => String(row[name] ?? "");
  return {
    id: text("id"),
    question: text("question"),
    answer: text("answer"),
    sources: JSON.parse(text("sources") || "[]"),
    traceId: text("traceId"),
    createdAt: text("createdAt"),
    updatedAt: text("updatedAt"),
    status: text("status") === "retired" ? "retired" : "active",
    expiresAt: text("expiresAt"),
  };
}

/** Served now: active and not past its expiry. */
export function isServable(answer: VerifiedAnswer, now: Date): boolean {
  return (
    answer.status === "active" && (answer.expiresAt === "" || Date.parse(answer.expiresAt) > now.getTime())
  );
}

export class VerifiedAnswerStore {
  private constructor(
    private readonly answers: Table,
    private readonly served: Table,
    private readonly now: () => Date,
  ) {}

  static async open(database: Database, options: { now?: () => Date } = {}): Promise<VerifiedAnswerStore> {
    return new VerifiedAnswerStore(
      await openOrCreateTable(database, ANSWERS_TABLE, ANSWER_SCHEMA),
      await openOrCreateTable(database, SERVED_TABLE, SERVED_SCHEMA),
      options.now ?? (() => new Date()),
    );
  }

  /** The table version: changes whenever an answer is added, edited, retired or restored. */
  version(): Promise<number> {
    return storeCall("reading the verified answers", () => this.answers.version());
  }

  async list(): Promise<VerifiedAnswer[]> {
    const rows = await storeCall("reading the verified answers", () => this.answers.query().toArray());
    return rows.map(fromRow).sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }

  async get(id: string): Promise<VerifiedAnswer | undefined> {
    const row = await readRowById(this.answers, id, "reading a verified answer");
    return row ? fromRow(row) : undefined;
  }

  async add(draft: VerifiedDraft): Promise<VerifiedAnswer> {
    const at = this.now().toISOString();
    const answer: VerifiedAnswer = {
      id: crypto.randomUUID(),
      question: draft.question,
      answer: draft.answer,
      sources: draft.sources ?? [],
      traceId: draft.traceId ?? "",
      createdAt: at,
      updatedAt: at,
      status: draft.status ?? "active",
      expiresAt: draft.expiresAt ?? "",
    };
    await this.answers.add([toRow(answer)]);
    return answer;
  }

  /** Changes the given fields; throws not_found for an unknown id. */
  async update(
    id: string,
    patch: Partial<Omit<VerifiedAnswer, "id" | "createdAt">>,
  ): Promise<VerifiedAnswer> {
    const current = await this.get(id);
    if (!current) throw new AppError(`there is no verified answer ${id}`, "not_found");
    const next: VerifiedAnswer = { ...current, ...patch, id, updatedAt: this.now().toISOString() };
    const { id: _id, ...values } = toRow(next);
    await this.answers.update({ where: `id = ${sqlString(id)}`, values });
    return next;
  }

  async remove(id: string): Promise<void> {
    if (!(await this.get(id))) throw new AppError(`there is no verified answer ${id}`, "not_found");
    await this.answers.delete(`id = ${sqlString(id)}`);
  }

  async recordServed(answerId: string, traceId: string): Promise<void> {
    await storeCall("recording a served verified answer", () =>
      this.served.add([{ answerId, traceId, at: this.now().toISOString() }]),
    );
  }

  /** How often each answer was served. */
  async servedCounts(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const row of await this.served.query().select(["answerId"]).toArray()) {
      const id = String(row.answerId);
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  }

  /** The verified answer a trace was served, if any. */
  async servedFor(traceId: string): Promise<string | undefined> {
    const rows = await this.served
      .query()
      .where(`traceId = ${sqlString(traceId)}`)
      .limit(1)
      .toArray();
    return rows[0] ? String(rows[0].answerId) : undefined;
  }

  /**
   * Restores the answers as they were at `time` (a corpus rollback to a version made then): the newest
   * table version not after it becomes a new version. Nothing is lost; the newer state stays restorable.
   */
  async restoreAsOf(time: string): Promise<void> {
    const limit = Date.parse(time);
    const versions = await this.answers.listVersions();
    const target = versions
      .filter((entry) => entry.timestamp.getTime() <= limit)
      .reduce((best, entry) => Math.max(best, entry.version), versions[0]?.version ?? 1);
    if (target === (await this.answers.version())) return;
    await this.answers.checkout(target);
    await this.answers.restore();
    await this.answers.checkoutLatest();
  }
}
