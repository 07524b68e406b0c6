/** Which finished Discord answers carry the 「問真人助教」 button (pure). */
import { describe, expect, it } from "vitest";
import { offersHandoff } from "../../src/bots/discord/handoff-button.ts";

describe("offersHandoff", () => {
  it("offers it under course answers that have a trace", () => {
    for (const mode of ["answer", "retrieval-only", "not-covered", "verified"] as const)
      expect(offersHandoff({ mode, traceId: "t1" }), mode).toBe(true);
  });

  it("never under fixed replies (crisis, refusal, small talk), failed answers or answers without a trace", () => {
    for (const mode of ["crisis", "refusal", "smalltalk"] as const)
      expect(offersHandoff({ mode, traceId: "t1" }), mode).toBe(false);
    expect(
      offersHandoff({ mode: "answer", traceId: "t1", error: { code: "overloaded", message: "busy" } }),
    ).toBe(false);
    expect(offersHandoff({ mode: "answer" })).toBe(false);
    expect(offersHandoff({ traceId: "t1" })).toBe(false);
  });
});
