/** Retry delays and an abortable sleep, for platforms that cannot be reached at start. */

export interface BackoffOptions {
  /** First delay. Default: 1000 ms. */
  initialMs?: number;
  /** Longest delay. Default: 300,000 ms (5 minutes). */
  maxMs?: number;
}

/** Exponential backoff with ±20 % jitter, so replicas do not retry in lockstep. */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random = Math.random): number {
  const initial = options.initialMs ?? 1000;
  const max = options.maxMs ?? 300_000;
  const base = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** "0.2 s", "8 s": for log lines about the next retry. */
export function describeDelay(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * Runs `work` until it succeeds, waiting a growing delay after each failure. Resolves with its
 * result, or undefined when `signal` aborts first.
 */
export async function retryWithBackoff<T>(
  work: () => Promise<T>,
  options: {
    signal: AbortSignal;
    backoff?: BackoffOptions;
    onFailure: (error: unknown, delayMs: number, attempt: number) => void;
  },
): Promise<T | undefined> {
  for (let attempt = 0; !options.signal.aborted; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (options.signal.aborted) break;
      const delay = backoffDelay(attempt, options.backoff);
      options.onFailure(error, delay, attempt);
      await sleep(delay, options.signal);
    }
  }
  return undefined;
}
