/** Tiny argv parsing with errors that name the flag. */
import { readFile } from "node:fs/promises";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { AppError, errorMessage } from "../errors.ts";

export function parseCliArgs<T extends NonNullable<ParseArgsConfig["options"]>>(
  argv: string[],
  options: T,
  usage: string,
) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new AppError(`${errorMessage(error)}\n${usage}`, "bad_request");
  }
}

/** Runs a CLI main, printing a one-line error (no stack) and exiting non-zero on failure. */
export function runMain(main: () => Promise<number | undefined>): void {
  main().then(
    (code) => {
      process.exitCode = code ?? 0;
    },
    (error) => {
      process.stderr.write(`error: ${errorMessage(error)}\n`);
      process.exitCode = error instanceof AppError && error.code === "bad_request" ? 2 : 1;
    },
  );
}

/**
 * A JSON-lines file given by `flag`, one object per non-blank line, each with the string fields
 * `required`: errors name the flag or the file and line.
 */
export async function readJsonLines<T>(
  path: string,
  flag: string,
  required: (keyof T & string)[],
): Promise<T[]> {
  const text = await readFile(path, "utf8").catch(() => {
    throw new AppError(`${flag} ${path}: cannot read the file`, "bad_request");
  });
  return text
    .split(/\r?\n/)
    .filter((line) => line.trim())
    .map((line, index) => {
      let parsed: T;
      try {
        parsed = JSON.parse(line) as T;
      } catch (error) {
        throw new AppError(`${path}:${index + 1}: not valid JSON (${errorMessage(error)})`, "bad_request");
      }
      const missing = required.filter((field) => typeof parsed[field] !== "string" || parsed[field] === "");
      if (missing.length > 0)
        throw new AppError(
          `${path}:${index + 1}: needs ${required.map((field) => `"${field}"`).join(" and ")}`,
          "bad_request",
        );
      return parsed;
    });
}
