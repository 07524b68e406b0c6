/**
 * Which trace each bot message answered, so a 👍 / 👎 on the message reaches the trace. Kept in
 * memory (the most recent `capacity` answers); bot-state.ts persists it to BOT_STATE_FILE so
 * reactions still count after a restart.
 */

export interface AnswerIndexOptions {
  /** Answers remembered. Default: 20,000. */
  capacity?: number;
  /** Called for each new link (to append it to the state file). Default: none (memory only). */
  onRemember?: (messageId: string, traceId: string) => void;
}

export class AnswerIndex {
  private readonly entries = new Map<string, string>();
  private readonly capacity: number;
  private readonly onRemember: AnswerIndexOptions["onRemember"];

  constructor(options: AnswerIndexOptions = {}) {
    this.capacity = options.capacity ?? 20_000;
    this.onRemember = options.onRemember;
  }

  /** `messageId` is platform-qualified by the caller, e.g. "discord:123". */
  remember(messageId: string, traceId: string): void {
    if (this.entries.get(messageId) === traceId) return;
    this.restore(messageId, traceId);
    this.onRemember?.(messageId, traceId);
  }

  traceFor(messageId: string): string | undefined {
    return this.entries.get(messageId);
  }

  /** Takes a link read back from the state file (not reported to onRemember). */
  restore(messageId: string, traceId: string): void {
    this.entries.delete(messageId);
    this.entries.set(messageId, traceId);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** Oldest first. */
  links(): [messageId: string, traceId: string][] {
    return [...this.entries];
  }
}
