import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { AppError } from "../../src/errors.ts";
import type { Passage } from "../../src/types.ts";

/** Reads a shipped template from the project's prompts/ folder. */
export function readPromptFile(name: string): string {
  return readFileSync(fileURLToPath(new URL(`../../prompts/${name}`, import.meta.url)), "utf8");
}

export function makePassage(
  rank: number,
  fields: { title: string; location: string; link?: string; text: string },
): Passage {
  return {
    rank,
    score: 1 / (60 + rank),
    retrievers: [{ retriever: "vector", rank, score: 0.9 }],
    chunk: {
      id: `chunk-${rank}`,
      documentPath: `notes/${rank}.md`,
      title: fields.title,
      location: fields.location,
      link: fields.link ?? "",
      text: fields.text,
      position: rank - 1,
      contentHash: `hash-${rank}`,
    },
  };
}

/** A stand-in tokenizer: one token per character keeps budgets easy to reason about. */
export const countCharacters = (text: string): number => text.length;

/** Runs `action` and returns the AppError it throws, failing when it throws nothing or something else. */
export function catchAppError(action: () => unknown): AppError {
  try {
    action();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected an AppError, but nothing was thrown");
}
