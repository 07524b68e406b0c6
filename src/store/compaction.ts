/**
 * Compaction for the tables written a few rows at a time (traces, conversations): it merges small
 * fragments and folds new rows into the indexes. A failure loses no data, so it is logged, not thrown.
 */
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Table } from "./database.ts";

export interface CompactionOptions {
  /** The table as named in log lines, e.g. "traces". */
  what: string;
  logger: Logger;
  /** Runs before compacting, e.g. to create the indexes a grown table now needs. Default: nothing. */
  prepare?: () => Promise<void>;
}

/** Compacts a table; never throws. Returns false (after logging why) when it failed. */
export async function compactTable(
  table: Pick<Table, "optimize">,
  options: CompactionOptions,
): Promise<boolean> {
  try {
    await options.prepare?.();
    await table.optimize();
    return true;
  } catch (error) {
    options.logger.warn(
      `compacting the ${options.what} table failed (no data is lost; it is tried again after more writes): ${errorMessage(error)}`,
    );
    return false;
  }
}

/** Compacts in the background each time `everyWrites` more rows were written, one run at a time. */
export class BackgroundCompaction {
  private writes = 0;
  private running: Promise<void> | undefined;

  constructor(
    private readonly table: Pick<Table, "optimize">,
    private readonly options: CompactionOptions & { everyWrites: number },
  ) {}

  /** Counts written rows; starts a compaction off the request path when a multiple of everyWrites is passed. */
  recordWrites(count: number): void {
    const before = this.writes;
    this.writes += count;
    const every = this.options.everyWrites;
    if (Math.floor(before / every) === Math.floor(this.writes / every) || this.running) return;
    this.running = compactTable(this.table, this.options).then(() => {
      this.running = undefined;
    });
  }

  /** Resolves when no compaction is running (for close()). */
  async idle(): Promise<void> {
    await this.running;
  }
}
