import { describe, expect, it } from "vitest";
import { type HistoryTurn, planPrompt } from "../../src/prompt/index.ts";
import { catchAppError, countCharacters } from "./helpers.ts";

const history: HistoryTurn[] = [];
for (let turn = 1; turn <= 10; turn++) {
  history.push({ role: "user", content: `question ${turn} `.padEnd(50, ".") });
  history.push({ role: "assistant", content: `answer ${turn} `.padEnd(150, ".") });
}

const base = {
  systemPrompt: "s".repeat(300),
  history,
  userTurn: "u".repeat(400),
  contextSize: 2048,
  maxAnswerTokens: 512,
  countTokens: countCharacters,
};

function promptTokens(plan: ReturnType<typeof planPrompt>): number {
  const { systemTokens, userTokens, historyTokens, templateOverheadTokens } = plan.budget;
  return systemTokens + userTokens + historyTokens + templateOverheadTokens;
}

describe("planPrompt", () => {
  it("fits prompt + maxAnswerTokens into the context, trimming the oldest history", () => {
    const plan = planPrompt(base);
    expect(promptTokens(plan) + plan.budget.reservedForAnswer).toBeLessThanOrEqual(plan.budget.contextSize);
    // Room left for history: 2048 − 512 − 32 − (300 + 8) − (400 + 8) = 788; a pair costs 216.
    expect(plan.historyKept).toBe(6);
    expect(plan.historyDropped).toBe(14);
    expect(plan.budget).toEqual({
      contextSize: 2048,
      reservedForAnswer: 512,
      systemTokens: 308,
      userTokens: 408,
      historyTokens: 648,
      templateOverheadTokens: 32,
    });
  });

  it("orders messages: system, newest history in chronological order, then the user turn", () => {
    const plan = planPrompt(base);
    expect(plan.messages[0]).toEqual({ role: "system", content: base.systemPrompt });
    expect(plan.messages.at(-1)).toEqual({ role: "user", content: base.userTurn });
    expect(plan.messages[1]!.content.startsWith("question 8 ")).toBe(true);
    expect(plan.messages.at(-2)!.content.startsWith("answer 10 ")).toBe(true);
    expect(plan.messages.map((message) => message.role)).toEqual([
      "system",
      ...Array.from({ length: 3 }, () => ["user", "assistant"]).flat(),
      "user",
    ]);
  });

  it("keeps all history when the context is large", () => {
    const plan = planPrompt({ ...base, contextSize: 32_768 });
    expect(plan.historyKept).toBe(20);
    expect(plan.historyDropped).toBe(0);
  });

  it("honours custom overheads", () => {
    const plan = planPrompt({ ...base, templateOverheadTokens: 0, perMessageOverheadTokens: 0 });
    expect(plan.budget.systemTokens).toBe(300);
    expect(promptTokens(plan)).toBeLessThanOrEqual(2048 - 512);
  });

  it("drops all history rather than fail when only the question fits", () => {
    const plan = planPrompt({ ...base, userTurn: "u".repeat(1150) });
    expect(plan.historyKept).toBe(0);
    expect(plan.messages).toHaveLength(2);
    expect(promptTokens(plan) + 512).toBeLessThanOrEqual(2048);
  });

  it("throws bad_request saying the question is too long", () => {
    const error = catchAppError(() => planPrompt({ ...base, userTurn: "u".repeat(1500) }));
    expect(error.code).toBe("bad_request");
    expect(error.message).toContain("問題太長");
    expect(error.message).toContain("too long");
  });

  it("throws config_invalid when the system prompt and answer reserve alone do not fit", () => {
    expect(catchAppError(() => planPrompt({ ...base, maxAnswerTokens: 2048 })).code).toBe("config_invalid");
    expect(catchAppError(() => planPrompt({ ...base, contextSize: 0 })).code).toBe("config_invalid");
  });
});
