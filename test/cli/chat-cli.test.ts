/** `npm run chat` in its own process, typed into through stdin: streamed answers with their sources. */
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect, inject, it } from "vitest";

it("answers pasted questions in turn with sources, says a refused one and goes on, and quits at end of input", async () => {
  const root = mkdtempSync(join(tmpdir(), "chat-cli-"));
  try {
    cpSync(resolve("corpus"), join(root, "corpus"), { recursive: true });
    const child = spawn(process.execPath, ["--import", "tsx", resolve("src/cli/chat.ts")], {
      env: {
        ...process.env,
        CORPUS_DIR: join(root, "corpus"),
        DATA_DIR: join(root, "data"),
        MODELS_DIR: join(root, "models"),
        MODEL: join(inject("fixturesDir"), "tiny-chat.gguf"),
        EMBED_MODEL: join(inject("fixturesDir"), "tiny-embed"),
        LLM_THREADS: "1",
        LLM_CONTEXT_SIZE: "4096",
        LLM_MAX_TOKENS: "12",
        MESSAGE_MAX_CHARS: "200",
        LOG_LEVEL: "error",
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    // Pasted all at once, then Ctrl-D: every question is answered in turn, none is lost.
    let stdout = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stdin.end(`HW4 什麼時候要交？\n${"長".repeat(300)}\n期末專題要交什麼？\n`);
    const code = await new Promise<number | null>((done) => child.on("close", done));
    expect(code).toBe(0);
    const answers = stdout.split("TA> ").slice(1);
    expect(answers).toHaveLength(3);
    expect(answers[0]).toMatch(/sources \(answer, [\d.]+ ms\):\n {2}\[1\] /);
    expect(answers[1]).toMatch(/^\(.*(long|長)/);
    expect(answers[2]).toMatch(/sources \(answer/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}, 120_000);
