import { describe, expect, it } from "vitest";
import { AppError } from "../../src/errors.ts";
import { SequencePool } from "../../src/llm/sequence-pool.ts";

describe("SequencePool", () => {
  it("hands out free slots, then queues up to queueMax, then refuses with overloaded", async () => {
    const pool = new SequencePool(["a", "b"], 1);
    const taken = [await pool.acquire(), await pool.acquire()];
    expect(taken.sort()).toEqual(["a", "b"]);
    const waiting = pool.acquire();
    expect(pool.depth()).toEqual({ active: 2, waiting: 1 });
    await expect(pool.acquire()).rejects.toMatchObject({ code: "overloaded" });
    pool.release("a");
    await expect(waiting).resolves.toBe("a");
    expect(pool.depth()).toEqual({ active: 2, waiting: 0 });
  });

  it("removes an aborted request from the queue", async () => {
    const pool = new SequencePool(["only"], 2);
    await pool.acquire();
    const controller = new AbortController();
    const first = pool.acquire(controller.signal);
    const second = pool.acquire();
    controller.abort(new AppError("gone", "cancelled"));
    await expect(first).rejects.toMatchObject({ code: "cancelled" });
    expect(pool.depth().waiting).toBe(1);
    pool.release("only");
    await expect(second).resolves.toBe("only");
  });

  it("takes the free slot with the highest affinity, and hands a freed slot to the first waiter", async () => {
    const held: Record<string, number> = { a: 3, b: 9, c: 1 };
    const pool = new SequencePool(["a", "b", "c"], 1);
    const byHeld = (slot: string) => held[slot] ?? 0;
    await expect(pool.acquire(undefined, byHeld)).resolves.toBe("b");
    await expect(pool.acquire(undefined, byHeld)).resolves.toBe("a");
    await expect(pool.acquire(undefined, (slot) => (slot === "a" ? 5 : 0))).resolves.toBe("c");
    // No free slot: the waiter takes whichever slot is freed first, whatever its affinity.
    const waiting = pool.acquire(undefined, (slot) => (slot === "b" ? 100 : 0));
    pool.release("c");
    await expect(waiting).resolves.toBe("c");
    pool.release("a");
    pool.release("b");
    // Through a reserved ticket too.
    await expect(pool.reserve().acquire(undefined, (slot) => (slot === "a" ? 1 : 0))).resolves.toBe("a");
  });

  it("rejects waiting and new requests once closed", async () => {
    const pool = new SequencePool([1], 1);
    await pool.acquire();
    const waiting = pool.acquire();
    pool.close(new AppError("bye", "cancelled"));
    await expect(waiting).rejects.toMatchObject({ code: "cancelled" });
    await expect(pool.acquire()).rejects.toMatchObject({ code: "cancelled" });
  });
});

describe("SequencePool admission (reserve)", () => {
  it("admits slots + queueMax requests synchronously, counting reserved ones as waiting", () => {
    const pool = new SequencePool(["a"], 1);
    const first = pool.reserve();
    const second = pool.reserve();
    expect(pool.depth()).toEqual({ active: 0, waiting: 2 });
    // Refused at once, before any work: no slot is held yet, but the places are all taken.
    expect(() => pool.reserve()).toThrow(expect.objectContaining({ code: "overloaded" }));
    first.release();
    expect(pool.depth()).toEqual({ active: 0, waiting: 1 });
    const third = pool.reserve();
    expect(() => pool.reserve()).toThrow(expect.objectContaining({ code: "overloaded" }));
    second.release();
    third.release();
    expect(pool.depth()).toEqual({ active: 0, waiting: 0 });
  });

  it("never refuses an admitted ticket as busy: it waits in line for the slot", async () => {
    const pool = new SequencePool(["only"], 1);
    const holder = pool.reserve();
    const waiter = pool.reserve();
    const slot = await holder.acquire();
    expect(pool.depth()).toEqual({ active: 1, waiting: 1 });
    const waiting = waiter.acquire();
    // A plain acquire (no ticket) is still bounded by the same count.
    await expect(pool.acquire()).rejects.toMatchObject({ code: "overloaded" });
    pool.release(slot);
    await expect(waiting).resolves.toBe("only");
    expect(pool.depth()).toEqual({ active: 1, waiting: 0 });
    pool.release("only");
    expect(pool.depth()).toEqual({ active: 0, waiting: 0 });
  });

  it("release() is idempotent and a no-op once the ticket was handed to acquire", async () => {
    const pool = new SequencePool(["a"], 0);
    const ticket = pool.reserve();
    expect(ticket.unused).toBe(true);
    const slot = await ticket.acquire();
    expect(ticket.unused).toBe(false);
    ticket.release(); // the generation owns the slot now: this must not free it
    ticket.release();
    expect(pool.depth()).toEqual({ active: 1, waiting: 0 });
    expect(() => pool.reserve()).toThrow(expect.objectContaining({ code: "overloaded" }));
    pool.release(slot);
    expect(pool.depth()).toEqual({ active: 0, waiting: 0 });
    await expect(ticket.acquire()).rejects.toMatchObject({ code: "internal" });

    const unused = pool.reserve();
    unused.release();
    unused.release();
    expect(pool.depth()).toEqual({ active: 0, waiting: 0 });
    await expect(unused.acquire()).rejects.toMatchObject({ code: "internal" });
    expect(pool.depth()).toEqual({ active: 0, waiting: 0 });
  });

  it("gives the place back when the wait is aborted (client gone), before or while waiting", async () => {
    const pool = new SequencePool(["only"], 2);
    const slot = await pool.acquire();
    const gone = new AbortController();
    gone.abort(new AppError("gone", "cancelled"));
    const early = pool.reserve();
    await expect(early.acquire(gone.signal)).rejects.toMatchObject({ code: "cancelled" });
    expect(pool.depth()).toEqual({ active: 1, waiting: 0 });

    const leaving = new AbortController();
    const late = pool.reserve().acquire(leaving.signal);
    const next = pool.reserve();
    expect(pool.depth()).toEqual({ active: 1, waiting: 2 });
    leaving.abort(new AppError("gone", "cancelled"));
    await expect(late).rejects.toMatchObject({ code: "cancelled" });
    expect(pool.depth()).toEqual({ active: 1, waiting: 1 });
    const granted = next.acquire();
    pool.release(slot);
    await expect(granted).resolves.toBe("only");
    pool.release("only");
    expect(pool.depth()).toEqual({ active: 0, waiting: 0 });
  });

  it("refuses reservations after close and gives back the places of rejected waiters", async () => {
    const pool = new SequencePool([1], 2);
    const slot = await pool.acquire();
    const waiting = pool.reserve().acquire();
    const reserved = pool.reserve();
    pool.close(new AppError("bye", "cancelled"));
    await expect(waiting).rejects.toMatchObject({ code: "cancelled" });
    expect(() => pool.reserve()).toThrow(expect.objectContaining({ code: "cancelled" }));
    await expect(reserved.acquire()).rejects.toMatchObject({ code: "cancelled" });
    pool.release(slot);
    expect(pool.depth()).toEqual({ active: 0, waiting: 0 });
  });
});
