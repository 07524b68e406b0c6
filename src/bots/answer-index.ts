/**
 * Which trace each bot message answered, so a 👍 / 👎 on the message reaches the trace. Kept in
 * memory (the most recent `capacity` answers) and, when a file is given, appended to it as JSON
 * lines so reactions still count after a restart. The file is rewritten short on open when it grew.
 */
import { appendFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";

export interface AnswerIndexOptions {
  /** JSON-lines file to keep the index in. Default: none (memory only; lost on restart). */
  file?: string;
  /** Answers remembered. Default: 20,000. */
  capacity?: number;
  logger?: Logger;
}

interface Entry {
  messageId: string;
  traceId: string;
}

export class AnswerIndex {
  private readonly entries = new Map<string, string>();
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly capacity: number,
    private readonly file: string | undefined,
    private readonly logger: Logger | undefined,
  ) {}

  static async open(options: AnswerIndexOptions = {}): Promise<AnswerIndex> {
    const index = new AnswerIndex(options.capacity ?? 20_000, options.file, options.logger);
    if (options.file) await index.load(options.file);
    return index;
  }

  /** `messageId` is platform-qualified by the caller, e.g. "discord:123". */
  remember(messageId: string, traceId: string): void {
    if (this.entries.get(messageId) === traceId) return;
    this.set(messageId, traceId);
    const file = this.file;
    if (!file) return;
    const line = `${JSON.stringify({ messageId, traceId } satisfies Entry)}\n`;
    this.writing = this.writing
      .then(() => appendFile(file, line, "utf8"))
      .catch((error) => this.logger?.warn(`answer index ${file} not written: ${errorMessage(error)}`));
  }

  traceFor(messageId: string): string | undefined {
    return this.entries.get(messageId);
  }

  /** Waits for pending file writes. */
  async close(): Promise<void> {
    await this.writing;
  }

  private set(messageId: string, traceId: string): void {
    this.entries.delete(messageId);
    this.entries.set(messageId, traceId);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  private async load(file: string): Promise<void> {
    await mkdir(dirname(file), { recursive: true });
    let text = "";
    try {
      text = await readFile(file, "utf8");
    } catch {
      return; // first run: no file yet
    }
    const lines = text.split("\n").filter((line) => line.trim() !== "");
    for (const line of lines) {
      try {
        const entry = JSON.parse(line) as Partial<Entry>;
        if (typeof entry.messageId === "string" && typeof entry.traceId === "string") {
          this.set(entry.messageId, entry.traceId);
        }
      } catch {
        // A line cut short by a crash is skipped.
      }
    }
    if (lines.length > this.capacity * 2) {
      const kept = [...this.entries].map(([messageId, traceId]) => JSON.stringify({ messageId, traceId }));
      await writeFile(file, `${kept.join("\n")}\n`, "utf8");
    }
  }
}
