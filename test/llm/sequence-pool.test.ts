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

  it("rejects waiting and new requests once closed", async () => {
    const pool = new SequencePool([1], 1);
    await pool.acquire();
    const waiting = pool.acquire();
    pool.close(new AppError("bye", "cancelled"));
    await expect(waiting).rejects.toMatchObject({ code: "cancelled" });
    await expect(pool.acquire()).rejects.toMatchObject({ code: "cancelled" });
  });
});
