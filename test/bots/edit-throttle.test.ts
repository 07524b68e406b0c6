import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { EditThrottle } from "../../src/bots/edit-throttle.ts";

describe("EditThrottle", () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it("runs at once, then at most once per interval with the latest state", async () => {
    const runs: number[] = [];
    let state = 0;
    const throttle = new EditThrottle(
      async () => {
        runs.push(state);
      },
      { intervalMs: 1000 },
    );
    state = 1;
    throttle.request();
    await vi.advanceTimersByTimeAsync(0);
    for (let value = 2; value <= 10; value++) {
      state = value;
      throttle.request();
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(runs).toEqual([1]);
    await vi.advanceTimersByTimeAsync(100);
    expect(runs).toEqual([1, 10]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toEqual([1, 10]); // nothing new was requested
    expect(throttle.msUntilNextRun()).toBe(0);
    throttle.request();
    expect(throttle.msUntilNextRun()).toBe(1000);
  });

  it("never overlaps runs, even when a run outlasts the interval", async () => {
    let active = 0;
    let maxActive = 0;
    let count = 0;
    const throttle = new EditThrottle(
      async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        count++;
        await new Promise((resolve) => setTimeout(resolve, 2500));
        active--;
      },
      { intervalMs: 1000 },
    );
    for (let step = 0; step < 20; step++) {
      throttle.request();
      await vi.advanceTimersByTimeAsync(300);
    }
    await vi.advanceTimersByTimeAsync(10_000);
    expect(maxActive).toBe(1);
    expect(count).toBeGreaterThanOrEqual(2);
    expect(count).toBeLessThanOrEqual(4);
  });

  it("settle() drops the pending run and waits for the one in progress", async () => {
    const runs: string[] = [];
    const throttle = new EditThrottle(
      async () => {
        runs.push("start");
        await new Promise((resolve) => setTimeout(resolve, 50));
        runs.push("end");
      },
      { intervalMs: 1000 },
    );
    throttle.request();
    throttle.request();
    const settled = throttle.settle();
    await vi.advanceTimersByTimeAsync(60);
    await settled;
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toEqual(["start", "end"]);
  });

  it("keeps going after a failed run", async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const throttle = new EditThrottle(
      async () => {
        calls++;
        if (calls === 1) throw new Error("429");
      },
      { intervalMs: 100, onError: (error) => errors.push(error) },
    );
    throttle.request();
    await vi.advanceTimersByTimeAsync(0);
    throttle.request();
    await vi.advanceTimersByTimeAsync(200);
    expect(errors).toHaveLength(1);
    expect(calls).toBe(2);
  });
});
