/** Tiny argv parsing with errors that name the flag. */
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
