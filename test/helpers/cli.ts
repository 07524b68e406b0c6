/** Runs the project's CLI commands (src/cli/<script>.ts) as child processes, as a TA runs them. */
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

// One process per command (node with tsx's loader), not the tsx CLI: the CLI runs the script in a
// grandchild, so a SIGKILL to the CLI would leave the ingest running.
export function startCli(script: string, args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", resolve(`src/cli/${script}.ts`), ...args], {
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

export function runCli(script: string, args: string[], env: Record<string, string>): Promise<RunResult> {
  return new Promise((done) => {
    const child = startCli(script, args, env);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk) => (stdout += chunk));
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}
