/** Hands out a fixed set of slots (context sequences) and queues waiting requests up to a limit. */
import { AppError } from "../errors.ts";

interface Waiter<Slot> {
  resolve: (slot: Slot) => void;
  reject: (error: unknown) => void;
  detach: () => void;
}

export class SequencePool<Slot> {
  private readonly free: Slot[];
  private readonly waiting: Waiter<Slot>[] = [];
  private readonly total: number;
  private closedError: unknown;

  /** @param queueMax how many requests may wait for a slot; one more is refused with "overloaded". */
  constructor(
    slots: readonly Slot[],
    private readonly queueMax: number,
  ) {
    this.free = [...slots];
    this.total = slots.length;
  }

  /** Resolves with a free slot; rejects with `signal.reason` if the signal aborts while waiting. */
  acquire(signal?: AbortSignal): Promise<Slot> {
    if (this.closedError !== undefined) return Promise.reject(this.closedError);
    if (signal?.aborted) return Promise.reject(signal.reason);
    const slot = this.free.pop();
    if (slot !== undefined) return Promise.resolve(slot);
    if (this.waiting.length >= this.queueMax) {
      return Promise.reject(
        new AppError(
          `The model is busy (${this.total} answering, ${this.waiting.length} waiting); try again in a moment`,
          "overloaded",
        ),
      );
    }
    return new Promise<Slot>((resolve, reject) => {
      const onAbort = () => {
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        reject(signal?.reason);
      };
      const waiter: Waiter<Slot> = {
        resolve,
        reject,
        detach: () => signal?.removeEventListener("abort", onAbort),
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  /** Gives the slot to the longest-waiting request, or back to the free list. */
  release(slot: Slot): void {
    const next = this.waiting.shift();
    if (next) {
      next.detach();
      next.resolve(slot);
    } else {
      this.free.push(slot);
    }
  }

  depth(): { active: number; waiting: number } {
    return { active: this.total - this.free.length, waiting: this.waiting.length };
  }

  /** Refuses new requests and rejects the waiting ones with `error`. */
  close(error: unknown): void {
    this.closedError = error;
    for (const waiter of this.waiting.splice(0)) {
      waiter.detach();
      waiter.reject(error);
    }
  }
}
