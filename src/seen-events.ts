/**
 * Remembers event ids for a while (bounded), so a redelivered or replayed event is not answered
 * twice: LINE webhook events in bots/ and relayed signatures in http/ (imports nothing, so both may
 * use it). bots/bot-state.ts persists LINE's ids to BOT_STATE_FILE, so those hold across restarts;
 * an event older than the time to live can no longer be recognised, so callers refuse those
 * (`tooOld`) rather than answer them.
 */

export interface SeenEventsOptions {
  /** How long an id is remembered, and the oldest event accepted. Default: 24 hours. */
  ttlMs?: number;
  /** Ids remembered at most (the oldest are forgotten first). Default: 50,000. */
  capacity?: number;
  /** Called for each newly seen id (to append it to the state file). Default: none (memory only). */
  onSeen?: (id: string, at: number) => void;
  /** Default: Date.now. */
  now?: () => number;
}

export const SEEN_EVENTS_TTL_MS = 24 * 60 * 60_000;

export class SeenEvents {
  readonly ttlMs: number;
  private readonly seen = new Map<string, number>();
  private readonly capacity: number;
  private readonly onSeen: SeenEventsOptions["onSeen"];
  private readonly now: () => number;

  constructor(options: SeenEventsOptions = {}) {
    this.ttlMs = options.ttlMs ?? SEEN_EVENTS_TTL_MS;
    this.capacity = options.capacity ?? 50_000;
    this.onSeen = options.onSeen;
    this.now = options.now ?? Date.now;
  }

  /** True the first time an id is offered (and records it); false for a repeat. */
  firstTime(id: string): boolean {
    const now = this.now();
    this.forget(now);
    if (this.seen.has(id)) return false;
    this.seen.set(id, now);
    this.onSeen?.(id, now);
    return true;
  }

  /** True when an event that happened at `occurredAt` (ms) is older than the ids remembered. */
  tooOld(occurredAt: number): boolean {
    return this.now() - occurredAt > this.ttlMs;
  }

  /** Takes an id read back from the state file (not reported to onSeen); expired ones are dropped. */
  restore(id: string, at: number): void {
    if (this.now() - at >= this.ttlMs) return;
    this.seen.delete(id);
    this.seen.set(id, at);
    this.forget(this.now());
  }

  get size(): number {
    return this.seen.size;
  }

  /** Ids still remembered, oldest first. */
  entries(): [id: string, at: number][] {
    this.forget(this.now());
    return [...this.seen];
  }

  /** Drops expired ids and, past capacity, the oldest. */
  private forget(now: number): void {
    for (const [key, at] of this.seen) {
      if (now - at < this.ttlMs && this.seen.size <= this.capacity) break;
      this.seen.delete(key);
    }
  }
}
