/** The time a chat reads: today's date for the prompt, and trace times that never repeat. */

export interface TraceClock {
  /** The current time (the system prompt's date and weekday). */
  now(): Date;
  /**
   * An ISO time for a new trace, strictly later than the last one this clock gave: the admin list
   * pages by time, and two answers started in the same millisecond must not share a page boundary.
   */
  traceTimestamp(): string;
}

/** One clock per service (deps.ts makes it), so its trace times increase across every chat. */
export function createTraceClock(now: () => Date = () => new Date()): TraceClock {
  let lastTraceMs = 0;
  return {
    now,
    traceTimestamp() {
      lastTraceMs = Math.max(now().getTime(), lastTraceMs + 1);
      return new Date(lastTraceMs).toISOString();
    },
  };
}
