/** Conversation history in LanceDB, so it survives restarts and is shared by replicas. */
import * as lancedb from "@lancedb/lancedb";
import { Field, Int32, Schema, Utf8 } from "apache-arrow";
import { AppError, errorMessage } from "../errors.ts";
import { createLogger, type Logger } from "../log.ts";
import type { ConversationTurn } from "../types.ts";
import { BackgroundCompaction, type CompactionOptions, compactTable } from "./compaction.ts";
import { type Database, openOrCreateTable, sqlString, storeCall, type Table } from "./database.ts";

const CONVERSATIONS_TABLE = "conversations";
/** Exchanges kept in memory for another try while the store is away; beyond this, new ones are refused. */
const RETRY_MAX_EXCHANGES = 10_000;
/** Waits between tries while the store is away, in ms (the last one repeats). */
const RETRY_DELAYS_MS = [250, 1000, 2000, 5000, 10_000];
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

interface Exchange {
  question: string;
  answer: string;
  traceId: string;
  at: string;
}

export class ConversationStore {
  private readonly compaction: CompactionOptions;
  private readonly background: BackgroundCompaction;
  /** Exchanges whose write failed (the store was away), oldest first; written before anything else. */
  private readonly unwritten: { conversationId: string; exchange: Exchange }[] = [];
  private draining: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private failedTries = 0;

  private constructor(
    private readonly table: Table,
    private readonly logger: Logger,
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
    await this.drain();
    return this.storedHistory(conversationId, limit);
  }

  private async storedHistory(conversationId: string, limit: number): Promise<ConversationTurn[]> {
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

  /**
   * Appends a question and its answer together, so history never holds half an exchange. When the
   * store is away the exchange is kept and written (in order) once it answers again, so an answer
   * already delivered keeps its place in the history.
   */
  async appendExchange(conversationId: string, exchange: Exchange): Promise<void> {
    if (this.unwritten.length >= RETRY_MAX_EXCHANGES)
      throw new AppError("the data store has been away too long: exchange not saved", "store_unavailable");
    this.unwritten.push({ conversationId, exchange });
    await this.drain();
  }

  /** Writes the kept exchanges oldest first; stops at the first failure and tries again later. */
  private drain(): Promise<void> {
    this.draining ??= this.writeUnwritten().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  private async writeUnwritten(): Promise<void> {
    while (this.unwritten.length > 0) {
      const entry = this.unwritten[0]!;
      const { conversationId, exchange } = entry;
      try {
        await this.writeExchange(conversationId, exchange);
      } catch (error) {
        this.logger.warn(
          `conversation ${conversationId}: ${this.unwritten.length} exchange(s) kept until the store answers again: ${errorMessage(error)}`,
        );
        this.scheduleRetry();
        return;
      }
      // By identity: a reset meanwhile may have removed entries.
      const index = this.unwritten.indexOf(entry);
      if (index >= 0) this.unwritten.splice(index, 1);
      this.failedTries = 0;
      this.background.recordWrites(1);
    }
  }

  private scheduleRetry(): void {
    const delay = RETRY_DELAYS_MS[Math.min(this.failedTries, RETRY_DELAYS_MS.length - 1)]!;
    this.failedTries++;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.drain(), delay);
    this.retryTimer.unref();
  }

  private async writeExchange(conversationId: string, exchange: Exchange): Promise<void> {
    const last = await this.storedHistory(conversationId, 1);
    const next = (last[0]?.turn ?? -1) + 1;
    const turn = (offset: number, role: "user" | "assistant", content: string) => ({
      conversationId,
      turn: next + offset,
      role,
      content,
      createdAt: exchange.at,
      traceId: exchange.traceId,
    });
    await storeCall("saving the conversation", () =>
      this.table.add([turn(0, "user", exchange.question), turn(1, "assistant", exchange.answer)]),
    );
  }

  async reset(conversationId: string): Promise<number> {
    const where = `conversationId = ${sqlString(conversationId)}`;
    const count = await storeCall("resetting the conversation", () => this.table.countRows(where));
    if (count > 0) await storeCall("resetting the conversation", () => this.table.delete(where));
    // Exchanges still waiting for the store belong to the history being forgotten.
    const kept = this.unwritten.filter((entry) => entry.conversationId !== conversationId);
    this.unwritten.splice(0, this.unwritten.length, ...kept);
    return count;
  }

  async close(): Promise<void> {
    clearTimeout(this.retryTimer);
    await this.draining;
    if (this.unwritten.length > 0)
      this.logger.error(
        `${this.unwritten.length} conversation exchange(s) could not be saved before stopping`,
      );
    await this.background.idle();
  }
}
