/**
 * Runs an update (a message edit) at most once per interval, never two at once, always with the
 * latest state: requests made meanwhile collapse into one trailing run. Discord rate-limits edits
 * (about 5 per 5 s per channel), so a streamed answer is redrawn about once a second.
 */

export interface EditThrottleOptions {
  /** Shortest time between the starts of two runs. Default: 1000. */
  intervalMs?: number;
  /** Milliseconds clock. Default: Date.now. */
  now?: () => number;
  /** Called when a run throws (the throttle keeps going). Default: ignore. */
  onError?: (error: unknown) => void;
}

export class EditThrottle {
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly onError: (error: unknown) => void;
  private running: Promise<void> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pending = false;
  private settled = false;
  private lastStart = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly run: () => Promise<void>,
    options: EditThrottleOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 1000;
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? (() => {});
  }

  /** Asks for a run; it starts now if the interval has passed, else once it has. */
  request(): void {
    if (this.settled) return;
    this.pending = true;
    this.schedule();
  }

  /** Stops scheduling and waits for a run in progress; the caller then draws the final state itself. */
  async settle(): Promise<void> {
    this.settled = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** How long until the interval since the last run has passed (0 when it has). */
  msUntilNextRun(): number {
    return Math.max(0, this.lastStart + this.intervalMs - this.now());
  }

  private schedule(): void {
    if (this.running || this.timer !== undefined || !this.pending || this.settled) return;
    const wait = this.lastStart + this.intervalMs - this.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, wait);
      return;
    }
    this.pending = false;
    this.lastStart = this.now();
    this.running = this.run()
      .catch((error: unknown) => this.onError(error))
      .finally(() => {
        this.running = undefined;
        this.schedule();
      });
  }
}
