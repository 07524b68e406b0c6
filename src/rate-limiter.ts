/**
 * A token bucket per key: a student on a bot, a client address on the HTTP API, failed admin logins
 * (pure but for the clock, which is injectable; imports nothing, so bots and http share it). It lives
 * outside the platform clients, so a gateway reconnect or a new client never refills anyone's bucket.
 */

export interface RateLimitOptions {
  /** Questions a user may ask in a row before waiting. Default: 5. */
  burst?: number;
  /** Questions regained per minute. Default: 2. */
  perMinute?: number;
  /** Milliseconds clock. Default: Date.now. */
  now?: () => number;
  /** Buckets kept before the oldest idle ones are dropped. Default: 10,000. */
  maxUsers?: number;
}

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly burst: number;
  private readonly refillPerMs: number;
  private readonly now: () => number;
  private readonly maxUsers: number;

  constructor(options: RateLimitOptions = {}) {
    this.burst = options.burst ?? 5;
    this.refillPerMs = (options.perMinute ?? 2) / 60_000;
    this.now = options.now ?? Date.now;
    this.maxUsers = options.maxUsers ?? 10_000;
    if (!(this.burst >= 1) || !(this.refillPerMs > 0))
      throw new RangeError("burst must be >= 1 and perMinute > 0");
  }

  /** Takes one token for `key` when there is one; otherwise says how long until there is. */
  take(key: string): RateLimitDecision {
    const bucket = this.refilled(key);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return this.refusal(bucket);
  }

  /** Whether `key` has a token now, without taking it (e.g. before checking a login attempt). */
  peek(key: string): RateLimitDecision {
    const bucket = this.refilled(key);
    return bucket.tokens >= 1 ? { allowed: true } : this.refusal(bucket);
  }

  private refilled(key: string): Bucket {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, updatedAt: now };
    bucket.tokens = Math.min(
      this.burst,
      bucket.tokens + Math.max(0, now - bucket.updatedAt) * this.refillPerMs,
    );
    bucket.updatedAt = now;
    // Re-insert so the Map's order is least recently used first.
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    this.evict();
    return bucket;
  }

  private refusal(bucket: Bucket): RateLimitDecision {
    return { allowed: false, retryAfterMs: Math.ceil((1 - bucket.tokens) / this.refillPerMs) };
  }

  private evict(): void {
    while (this.buckets.size > this.maxUsers) {
      const oldest = this.buckets.keys().next().value;
      if (oldest === undefined) break;
      this.buckets.delete(oldest);
    }
  }
}
