/**
 * Stop strings in streamed text (pure). Text that might be the start of a stop string is held back
 * until the next piece shows whether it is one, so a stop string never reaches the reader.
 */
export class StopTextScanner {
  private held = "";
  private stoppedAt = false;

  /** @param stopTexts plain-text stop strings (empty strings are ignored). */
  constructor(private readonly stopTexts: readonly string[]) {
    this.stopTexts = stopTexts.filter((text) => text.length > 0);
  }

  /** True once a stop string was seen; later pushes emit nothing. */
  get stopped(): boolean {
    return this.stoppedAt;
  }

  /** Adds generated text; returns the part that is certainly answer text. */
  push(text: string): string {
    if (this.stoppedAt) return "";
    const buffer = this.held + text;
    if (this.stopTexts.length === 0) {
      this.held = "";
      return buffer;
    }
    let stopIndex = -1;
    for (const stop of this.stopTexts) {
      const index = buffer.indexOf(stop);
      if (index >= 0 && (stopIndex < 0 || index < stopIndex)) stopIndex = index;
    }
    if (stopIndex >= 0) {
      this.stoppedAt = true;
      this.held = "";
      return buffer.slice(0, stopIndex);
    }
    const keep = this.longestStopPrefixSuffix(buffer);
    this.held = buffer.slice(buffer.length - keep);
    return buffer.slice(0, buffer.length - keep);
  }

  /** At the end of generation: the held-back text was not a stop string after all. */
  flush(): string {
    const rest = this.stoppedAt ? "" : this.held;
    this.held = "";
    return rest;
  }

  /** Length of the longest end of `buffer` that begins some stop string. */
  private longestStopPrefixSuffix(buffer: string): number {
    let longest = 0;
    for (const stop of this.stopTexts) {
      for (let length = Math.min(stop.length - 1, buffer.length); length > longest; length--) {
        if (buffer.endsWith(stop.slice(0, length))) {
          longest = length;
          break;
        }
      }
    }
    return longest;
  }
}
