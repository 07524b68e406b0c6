/**
 * A JSON-lines file of small records (BOT_STATE_FILE): appended one line at a time, read back
 * whole, and rewritten short through a temporary file and a rename. Writes run one after another;
 * a failed write is logged, never thrown (the bots keep working from memory).
 */
import { appendFile, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";

export class StateFile {
  /** Lines in the file, as far as this process knows (its own appends included). */
  lines = 0;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly logger?: Logger,
  ) {}

  /** Every record in the file; a line cut short by a crash (or otherwise unreadable) is skipped. */
  async read(): Promise<Record<string, unknown>[]> {
    await mkdir(dirname(this.path), { recursive: true });
    let text = "";
    try {
      text = await readFile(this.path, "utf8");
    } catch {
      return []; // first run: no file yet
    }
    const lines = text.split("\n").filter((line) => line.trim() !== "");
    this.lines = lines.length;
    const records: Record<string, unknown>[] = [];
    for (const line of lines) {
      try {
        const record: unknown = JSON.parse(line);
        if (typeof record === "object" && record !== null) records.push(record as Record<string, unknown>);
      } catch {
        // skipped
      }
    }
    return records;
  }

  append(record: object): void {
    const line = `${JSON.stringify(record)}\n`;
    this.lines++;
    this.enqueue(() => appendFile(this.path, line, "utf8"));
  }

  /** Replaces the file with `records()` (computed when the write runs, after earlier appends). */
  rewrite(records: () => Promise<object[]> | object[]): Promise<void> {
    return this.enqueue(async () => {
      const kept = await records();
      const temporary = `${this.path}.${process.pid}.tmp`;
      await writeFile(temporary, kept.map((record) => `${JSON.stringify(record)}\n`).join(""), "utf8");
      await rename(temporary, this.path);
      this.lines = kept.length;
    });
  }

  /** Waits for pending writes. */
  async close(): Promise<void> {
    await this.writing;
  }

  private enqueue(write: () => Promise<void>): Promise<void> {
    this.writing = this.writing
      .then(write)
      .catch((error) => this.logger?.warn(`bot state ${this.path} not written: ${errorMessage(error)}`));
    return this.writing;
  }
}
