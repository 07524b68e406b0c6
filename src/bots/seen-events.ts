/**
 * Remembers webhook event ids for a while, so a redelivered event is not answered twice.
 * In memory: after a restart, events redelivered for the crash window are answered (they most
 * likely were not before).
 */
export class SeenEvents {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly ttlMs = 60 * 60_000,
    private readonly capacity = 50_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** True the first time an id is offered (and records it); false for a repeat. */
  firstTime(id: string): boolean {
    const now = this.now();
    for (const [key, at] of this.seen) {
      if (now - at < this.ttlMs && this.seen.size <= this.capacity) break;
      this.seen.delete(key);
    }
    if (this.seen.has(id)) return false;
    this.seen.set(id, now);
    return true;
  }
}
