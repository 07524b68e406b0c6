/** Conversation history in LanceDB, so it survives restarts and is shared by replicas. */
import * as lancedb from "@lancedb/lancedb";
import { Field, Int32, Schema, Utf8 } from "apache-arrow";
import { createLogger, type Logger } from "../log.ts";
import type { ConversationTurn } from "../types.ts";
import { BackgroundCompaction, type CompactionOptions, compactTable } from "./compaction.ts";
import { type Database, openOrCreateTable, sqlString, storeCall, type Table } from "./database.ts";

const CONVERSATIONS_TABLE = "conversations";
/** Compact after this many appended exchanges. */
const COMPACT_EVERY_EXCHANGES = 200;

const TURN_SCHEMA = new Schema([
  new Field("conversationId", new Utf8(), false),
  new Field("turn", new Int32(), false),
  new Field("role", new Utf8(), false),
  new Field("content", new Utf8(), false),
  new Field("createdAt", new Utf8(), false),
  new Field("traceId", new Utf8(), false),
]);

export interface ConversationStoreOptions {
  /** Where failed compactions are reported. Default: a stderr logger at level info. */
  logger?: Logger;
}

export class ConversationStore {
  private readonly compaction: CompactionOptions;
  private readonly background: BackgroundCompaction;

  private constructor(
    private readonly table: Table,
    logger: Logger,
  ) {
    this.compaction = { what: CONVERSATIONS_TABLE, logger, prepare: () => this.ensureIndex() };
    this.background = new BackgroundCompaction(table, {
      ...this.compaction,
      everyWrites: COMPACT_EVERY_EXCHANGES,
    });
  }

  static async open(database: Database, options: ConversationStoreOptions = {}): Promise<ConversationStore> {
    const table = await openOrCreateTable(database, CONVERSATIONS_TABLE, TURN_SCHEMA);
    const store = new ConversationStore(table, options.logger ?? createLogger());
    await store.ensureIndex();
    return store;
  }

  /** A scalar index on conversationId keeps history lookups fast as turns accumulate. */
  private async ensureIndex(): Promise<void> {
    if ((await this.table.countRows()) < 2000) return;
    const indexed = (await this.table.listIndices()).some(
      (index) => index.columns.join(",") === "conversationId",
    );
    if (!indexed) await this.table.createIndex("conversationId", { config: lancedb.Index.btree() });
  }

  /** Many exchanges at once (imports, benchmarks). */
  async appendMany(turns: ConversationTurn[]): Promise<void> {
    await this.table.add(turns.map((turn) => ({ ...turn })));
    await this.compact();
  }

  /** Merges small fragments and updates the index; a failure is logged. */
  async compact(): Promise<void> {
    await compactTable(this.table, this.compaction);
  }

  /** Turns in chronological order. */
  async history(conversationId: string, limit = 200): Promise<ConversationTurn[]> {
    const rows = await storeCall("reading the conversation", () =>
      this.table
        .query()
        .where(`conversationId = ${sqlString(conversationId)}`)
        .toArray(),
    );
    return rows
      .map((row) => ({
        conversationId: String(row.conversationId),
        turn: Number(row.turn),
        role: String(row.role) as ConversationTurn["role"],
        content: String(row.content),
        createdAt: String(row.createdAt),
        traceId: String(row.traceId),
      }))
      .sort((a, b) => a.turn - b.turn)
      .slice(-limit);
  }

  /** Appends a question and its answer together, so history never holds half an exchange. */
  async appendExchange(
    conversationId: string,
    exchange: { question: string; answer: string; traceId: string; at: string },
  ): Promise<void> {
    const last = await this.history(conversationId, 1);
    const next = (last[0]?.turn ?? -1) + 1;
    await this.table.add([
      {
        conversationId,
        turn: next,
        role: "user",
        content: exchange.question,
        createdAt: exchange.at,
        traceId: exchange.traceId,
      },
      {
        conversationId,
        turn: next + 1,
        role: "assistant",
        content: exchange.answer,
        createdAt: exchange.at,
        traceId: exchange.traceId,
      },
    ]);
    this.background.recordWrites(1);
  }

  async reset(conversationId: string): Promise<number> {
    const count = await this.table.countRows(`conversationId = ${sqlString(conversationId)}`);
    if (count > 0) await this.table.delete(`conversationId = ${sqlString(conversationId)}`);
    return count;
  }

  async close(): Promise<void> {
    await this.background.idle();
  }
}
