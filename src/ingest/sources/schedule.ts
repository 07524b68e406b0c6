/**
 * The running service's source schedule: sleeps until the next source is due, runs a sync, repeats.
 * No restart needed for a new `every` or a new source: the list is read again on each round.
 */
export interface SourceScheduleOptions {
  /** Milliseconds until the next source is due; undefined when there are no sources. */
  msUntilNextDue(): Promise<number | undefined>;
  /** Runs the due sources through ingest (the caller serializes it with other corpus changes). */
  syncDue(): Promise<void>;
  onError(error: unknown): void;
  /** Longest sleep, so sources added to the file are noticed. Default 60 s. */
  maxSleepMs?: number;
}

/** Starts the loop; the returned function stops it (and waits for a sync in progress). */
export function startSourceSchedule(options: SourceScheduleOptions): () => Promise<void> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let wake: (() => void) | undefined;
  const maxSleep = options.maxSleepMs ?? 60_000;

  const loop = async () => {
    while (!stopped) {
      let wait = maxSleep;
      try {
        const next = await options.msUntilNextDue();
        if (next === 0) {
          running = options.syncDue();
          await running;
          continue;
        }
        if (next !== undefined) wait = Math.min(next, maxSleep);
      } catch (error) {
        options.onError(error);
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, Math.max(1000, wait));
        timer.unref?.();
      });
    }
  };
  const done = loop();
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    wake?.();
    await running.catch(() => undefined);
    await done;
  };
}
