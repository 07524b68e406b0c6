/** Gold files (JSONL): parsed and checked whole before any question runs. Pure. */
import { AppError, errorMessage } from "../errors.ts";
import type { GoldQuestion } from "./scoring.ts";

const KNOWN_KEYS = new Set(["question", "facts", "sources", "refuse", "note"]);

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string" && item.trim() !== "");
}

/**
 * One gold file's text as questions. A broken line throws an AppError naming `file:line` and what is
 * wrong, so a run never starts with half a gold set.
 */
export function parseGoldFile(file: string, text: string): GoldQuestion[] {
  const questions: GoldQuestion[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    if (!line.trim()) continue;
    const where = `--gold ${file}:${index + 1}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      throw new AppError(`${where}: not valid JSON (${errorMessage(error)})`, "bad_request");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw new AppError(`${where}: each line must be a JSON object`, "bad_request");
    const record = parsed as Record<string, unknown>;
    const unknown = Object.keys(record).filter((key) => !KNOWN_KEYS.has(key));
    if (unknown.length > 0)
      throw new AppError(
        `${where}: unknown field ${unknown.join(", ")} (use question, facts, sources, refuse)`,
        "bad_request",
      );
    if (typeof record.question !== "string" || record.question.trim() === "")
      throw new AppError(`${where}: "question" must be a non-empty string`, "bad_request");
    if (record.facts !== undefined && !isStringList(record.facts))
      throw new AppError(`${where}: "facts" must be a list of non-empty strings`, "bad_request");
    if (record.sources !== undefined && !isStringList(record.sources))
      throw new AppError(`${where}: "sources" must be a list of non-empty strings`, "bad_request");
    if (record.refuse !== undefined && typeof record.refuse !== "boolean")
      throw new AppError(`${where}: "refuse" must be true or false`, "bad_request");
    if (record.refuse === true && (record.facts as string[] | undefined)?.length)
      throw new AppError(`${where}: a question to decline cannot also list facts`, "bad_request");
    const question: GoldQuestion = { question: record.question.trim() };
    if (record.facts) question.facts = record.facts as string[];
    if (record.sources) question.sources = record.sources as string[];
    if (record.refuse !== undefined) question.refuse = record.refuse;
    questions.push(question);
  }
  if (questions.length === 0) throw new AppError(`--gold ${file}: the file has no questions`, "bad_request");
  return questions;
}
