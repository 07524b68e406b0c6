import { describe, expect, it } from "vitest";
import { RateLimiter } from "../src/rate-limiter.ts";

describe("RateLimiter", () => {
  it("allows a burst, then refuses with the wait until the next question", () => {
    let now = 0;
    const limiter = new RateLimiter({ burst: 2, perMinute: 2, now: () => now });
    expect(limiter.take("u1")).toEqual({ allowed: true });
    expect(limiter.take("u1")).toEqual({ allowed: true });
    expect(limiter.take("u1")).toEqual({ allowed: false, retryAfterMs: 30_000 });
    now = 10_000;
    expect(limiter.take("u1")).toEqual({ allowed: false, retryAfterMs: 20_000 });
    now = 30_000;
    expect(limiter.take("u1")).toEqual({ allowed: true });
  });

  it("keeps users apart", () => {
    const limiter = new RateLimiter({ burst: 1, perMinute: 1, now: () => 0 });
    expect(limiter.take("a").allowed).toBe(true);
    expect(limiter.take("a").allowed).toBe(false);
    expect(limiter.take("b").allowed).toBe(true);
  });

  it("never holds more than the burst", () => {
    let now = 0;
    const limiter = new RateLimiter({ burst: 2, perMinute: 60, now: () => now });
    limiter.take("u");
    now = 3_600_000;
    expect(limiter.take("u").allowed).toBe(true);
    expect(limiter.take("u").allowed).toBe(true);
    expect(limiter.take("u").allowed).toBe(false);
  });

  it("forgets the least recently seen users beyond its size", () => {
    const limiter = new RateLimiter({ burst: 1, perMinute: 1, now: () => 0, maxUsers: 2 });
    limiter.take("a");
    limiter.take("b");
    limiter.take("c"); // drops "a"
    expect(limiter.take("a").allowed).toBe(true);
  });

  it("refuses nonsense settings", () => {
    expect(() => new RateLimiter({ burst: 0 })).toThrow(RangeError);
  });
});
