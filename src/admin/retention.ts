/** Deletes traces older than the retention period, at start and then every few hours. */
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { TraceStore } from "../store/index.ts";

export const DEFAULT_TRACE_RETENTION_DAYS = 180;
const DAY_MS = 86_400_000;

export interface TraceRetentionOptions {
  traces: TraceStore;
  /** Traces older than this many days are deleted. Default 180. */
  days?: number;
  /** How often to sweep, in ms. Default 6 hours. */
  intervalMs?: number;
  logger: Logger;
  now?: () => number;
}

/** Deletes old traces once; returns how many went. */
export async function deleteExpiredTraces(options: TraceRetentionOptions): Promise<number> {
  const days = options.days ?? DEFAULT_TRACE_RETENTION_DAYS;
  const cutoff = new Date((options.now ?? Date.now)() - days * DAY_MS).toISOString();
  const before = await options.traces.count();
  await options.traces.deleteOlderThan(cutoff);
  const deleted = Math.max(0, before - (await options.traces.count()));
  if (deleted > 0) options.logger.info(`deleted ${deleted} trace(s) older than ${days} days`);
  return deleted;
}

/** Sweeps now and every `intervalMs`; the timer does not keep the process alive. Returns stop(). */
export function startTraceRetention(options: TraceRetentionOptions): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const sweep = () => {
    running = deleteExpiredTraces(options).catch((error) =>
      options.logger.error(`trace retention sweep failed: ${errorMessage(error)}`),
    );
  };
  sweep();
  const timer = setInterval(sweep, options.intervalMs ?? 6 * 3_600_000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
