/**
 * Hands out a fixed set of slots (context sequences) and bounds how many requests may hold or wait
 * for one. Admission is a separate, synchronous step (`reserve`) so a caller can learn "busy"
 * before it does any work or sends any byte, then claim the slot later with the same ticket.
 */
import { AppError } from "../errors.ts";

interface Waiter<Slot> {
  resolve: (slot: Slot) => void;
  reject: (error: unknown) => void;
  detach: () => void;
}

/**
 * A place among the requests the pool serves (answering or waiting). Take the slot with
 * `acquire`; give the place back with `release` if the slot is never taken.
 */
export class PoolTicket<Slot> {
  private state: "reserved" | "acquiring" | "released" = "reserved";

  /** @internal created by SequencePool.reserve */
  constructor(
    readonly pool: SequencePool<Slot>,
    private readonly giveBack: () => void,
    private readonly take: (
      signal: AbortSignal | undefined,
      affinity: SlotAffinity<Slot> | undefined,
    ) => Promise<Slot>,
  ) {}

  /**
   * Resolves with a slot, waiting in line if none is free (never refused as busy: the place is
   * already held). Once called, the slot (when granted) is returned with `pool.release(slot)`;
   * if the wait fails (abort, close), the place is given back here. Callable once.
   * @param affinity scores a free slot (higher is better, e.g. tokens it already holds of the new
   * prompt); among free slots the best one is taken. Default: any free slot. A slot handed over by
   * `release` to a waiting request is not scored (first come, first served).
   */
  acquire(signal?: AbortSignal, affinity?: SlotAffinity<Slot>): Promise<Slot> {
    if (this.state !== "reserved") {
      return Promise.reject(new AppError("This model ticket was already used or released", "internal"));
    }
    this.state = "acquiring";
    return this.take(signal, affinity).catch((error: unknown) => {
      this.giveBack();
      throw error;
    });
  }

  /** Gives the place back if `acquire` was never called; otherwise does nothing. Idempotent. */
  release(): void {
    if (this.state !== "reserved") return;
    this.state = "released";
    this.giveBack();
  }

  /** True until `acquire` or `release` is called. */
  get unused(): boolean {
    return this.state === "reserved";
  }
}

/** How well a free slot suits a request (higher is better), e.g. the prompt tokens it already holds. */
export type SlotAffinity<Slot> = (slot: Slot) => number;

export class SequencePool<Slot> {
  private readonly free: Slot[];
  private readonly waiting: Waiter<Slot>[] = [];
  private readonly total: number;
  /** Tickets out: reserved, waiting in line, or holding a slot. At most total + queueMax. */
  private admitted = 0;
  private closedError: unknown;

  /** @param queueMax how many requests may wait (or be reserved) beyond the slots; one more is refused with "overloaded". */
  constructor(
    slots: readonly Slot[],
    private readonly queueMax: number,
  ) {
    this.free = [...slots];
    this.total = slots.length;
  }

  /**
   * Takes a place for one request, synchronously: throws "overloaded" when `slots + queueMax`
   * requests are already admitted, or the close error once closed.
   */
  reserve(): PoolTicket<Slot> {
    if (this.closedError !== undefined) throw this.closedError;
    if (this.admitted >= this.total + this.queueMax) {
      const { active, waiting } = this.depth();
      throw new AppError(
        `The model is busy (${active} answering, ${waiting} waiting); try again in a moment`,
        "overloaded",
      );
    }
    this.admitted++;
    return new PoolTicket(
      this,
      () => {
        this.admitted--;
      },
      (signal, affinity) => this.take(signal, affinity),
    );
  }

  /**
   * The ticket a caller took earlier with `reserve` (passed back through an engine's generate), or a
   * new one (throws "overloaded" when full). A ticket from another pool is a programming error.
   */
  ticketFor(ticket: { release(): void } | undefined): PoolTicket<Slot> {
    if (ticket === undefined) return this.reserve();
    if (ticket instanceof PoolTicket && ticket.pool === this) return ticket as PoolTicket<Slot>;
    throw new AppError("This model ticket was issued by another engine", "internal");
  }

  /** reserve() and acquire() in one step: resolves with a slot or rejects ("overloaded", abort reason, close error). */
  acquire(signal?: AbortSignal, affinity?: SlotAffinity<Slot>): Promise<Slot> {
    let ticket: PoolTicket<Slot>;
    try {
      ticket = this.reserve();
    } catch (error) {
      return Promise.reject(error);
    }
    return ticket.acquire(signal, affinity);
  }

  private take(signal: AbortSignal | undefined, affinity: SlotAffinity<Slot> | undefined): Promise<Slot> {
    if (this.closedError !== undefined) return Promise.reject(this.closedError);
    if (signal?.aborted) return Promise.reject(signal.reason);
    const slot = this.takeFree(affinity);
    if (slot !== undefined) return Promise.resolve(slot);
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

  /** The free slot with the highest affinity (ties: the most recently freed), removed from the free list. */
  private takeFree(affinity: SlotAffinity<Slot> | undefined): Slot | undefined {
    if (this.free.length === 0) return undefined;
    let best = this.free.length - 1;
    if (affinity) {
      let bestScore = Number.NEGATIVE_INFINITY;
      for (let index = this.free.length - 1; index >= 0; index--) {
        const score = affinity(this.free[index]!);
        if (score > bestScore) {
          bestScore = score;
          best = index;
        }
      }
    }
    return this.free.splice(best, 1)[0];
  }

  /** Returns a slot taken with acquire: to the longest-waiting request, or to the free list. */
  release(slot: Slot): void {
    this.admitted--;
    const next = this.waiting.shift();
    if (next) {
      next.detach();
      next.resolve(slot);
    } else {
      this.free.push(slot);
    }
  }

  /** `waiting` counts every admitted request without a slot: in line, or reserved and not yet in line. */
  depth(): { active: number; waiting: number } {
    const active = this.total - this.free.length;
    return { active, waiting: this.admitted - active };
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
