import { describe, expect, it } from "vitest";
import { type HistoryTurn, trimHistory } from "../../src/prompt/index.ts";
import { countCharacters } from "./helpers.ts";

const user = (content: string): HistoryTurn => ({ role: "user", content });
const assistant = (content: string): HistoryTurn => ({ role: "assistant", content });

// Three exchanges of 10 + 10 characters; with overhead 0 each pair costs 20 "tokens".
const history: HistoryTurn[] = [
  user("q1--------"),
  assistant("a1--------"),
  user("q2--------"),
  assistant("a2--------"),
  user("q3--------"),
  assistant("a3--------"),
];

describe("trimHistory", () => {
  it("keeps everything when it fits, in chronological order", () => {
    const kept = trimHistory(history, { budgetTokens: 1000, countTokens: countCharacters });
    expect(kept).toEqual(history);
  });

  it("keeps the newest whole pairs and drops the oldest", () => {
    const kept = trimHistory(history, {
      budgetTokens: 45,
      countTokens: countCharacters,
      perMessageOverheadTokens: 0,
    });
    expect(kept.map((turn) => turn.content.slice(0, 2))).toEqual(["q2", "a2", "q3", "a3"]);
  });

  it("counts the per-message overhead, 8 by default", () => {
    // Each pair costs 20 + 2 × 8 = 36.
    expect(trimHistory(history, { budgetTokens: 71, countTokens: countCharacters })).toHaveLength(2);
    expect(trimHistory(history, { budgetTokens: 72, countTokens: countCharacters })).toHaveLength(4);
  });

  it("never splits a pair or starts with an assistant turn", () => {
    const kept = trimHistory(history, {
      budgetTokens: 30,
      countTokens: countCharacters,
      perMessageOverheadTokens: 0,
    });
    expect(kept.map((turn) => turn.role)).toEqual(["user", "assistant"]);
    expect(
      trimHistory(history, { budgetTokens: 19, countTokens: countCharacters, perMessageOverheadTokens: 0 }),
    ).toEqual([]);
  });

  it("drops orphan turns so roles alternate", () => {
    const ragged = [
      assistant("hello"),
      user("q1"),
      assistant("a1"),
      user("unanswered"),
      user("q2"),
      assistant("a2"),
    ];
    const kept = trimHistory(ragged, { budgetTokens: 1000, countTokens: countCharacters });
    expect(kept.map((turn) => turn.content)).toEqual(["q1", "a1", "q2", "a2"]);
  });

  it("does not keep an older pair once a newer one did not fit", () => {
    const lopsided = [user("q1"), assistant("a1"), user("q2"), assistant("a".repeat(100))];
    expect(trimHistory(lopsided, { budgetTokens: 50, countTokens: countCharacters })).toEqual([]);
  });

  it("returns nothing for a zero or negative budget", () => {
    expect(trimHistory(history, { budgetTokens: 0, countTokens: countCharacters })).toEqual([]);
    expect(trimHistory(history, { budgetTokens: -5, countTokens: countCharacters })).toEqual([]);
  });
});
