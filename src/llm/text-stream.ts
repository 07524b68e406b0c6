/** A single-consumer async iterable fed by callbacks (node-llama-cpp's onTextChunk). */
export class TextStream implements AsyncIterable<string> {
  private readonly chunks: string[] = [];
  private finished = false;
  private failure: { error: unknown } | undefined;
  private wake: (() => void) | undefined;

  /** @param onAbandon called when the consumer stops iterating before the stream ended (e.g. `break`). */
  constructor(private readonly onAbandon: () => void) {}

  push(text: string): void {
    if (this.finished || text === "") return;
    this.chunks.push(text);
    this.notify();
  }

  end(): void {
    this.finished = true;
    this.notify();
  }

  fail(error: unknown): void {
    if (this.finished) return;
    this.failure = { error };
    this.end();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    let index = 0;
    try {
      for (;;) {
        if (index < this.chunks.length) {
          yield this.chunks[index++];
          continue;
        }
        if (this.finished) {
          if (this.failure) throw this.failure.error;
          return;
        }
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
    } finally {
      if (!this.finished) this.onAbandon();
    }
  }
}
