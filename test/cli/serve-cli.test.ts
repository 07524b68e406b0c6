/**
 * `npm start` as a person runs it (the serve command in its own process, tiny generated models):
 * it prints the URL, streams answers, and without ADMIN_TOKEN prints a one-time admin login link.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, expect, inject, it } from "vitest";

const root = mkdtempSync(join(tmpdir(), "serve-cli-"));
let child: ChildProcess | undefined;
afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill("SIGKILL");
    await new Promise((done) => child!.once("close", done));
  }
  rmSync(root, { recursive: true, force: true });
});

it("serves streamed answers and prints a one-time admin login link when ADMIN_TOKEN is unset", async () => {
  cpSync(resolve("corpus"), join(root, "corpus"), { recursive: true });
  const fixturesDir = inject("fixturesDir");
  const env: Record<string, string | undefined> = {
    ...process.env,
    HOST: "127.0.0.1",
    PORT: "0",
    CORPUS_DIR: join(root, "corpus"),
    DATA_DIR: join(root, "data"),
    MODELS_DIR: join(root, "models"),
    MODEL: join(fixturesDir, "tiny-chat.gguf"),
    EMBED_MODEL: join(fixturesDir, "tiny-embed"),
    LLM_THREADS: "1",
    LLM_CONTEXT_SIZE: "4096",
    LLM_MAX_TOKENS: "16",
    LOG_LEVEL: "info",
  };
  delete env.ADMIN_TOKEN;
  child = spawn(process.execPath, ["--import", "tsx", resolve("src/cli/serve.ts")], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const url = await new Promise<string>((done, fail) => {
    child!.stdout!.on("data", (chunk) => {
      stdout += chunk;
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (match) done(match[1]!);
    });
    child!.once("close", (code) => fail(new Error(`serve exited with ${code}: ${stderr}`)));
  });

  const link = /One-time admin login link[^:]*: (\S+)/.exec(stdout)?.[1];
  expect(link, stdout).toBeDefined();
  expect(link!.startsWith(`${url}/admin/login?token=`)).toBe(true);

  const answer = await fetch(`${url}/api/chat`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message: "LoRA 是什麼？" }),
  });
  expect(answer.status).toBe(200);
  const events = [...(await answer.text()).matchAll(/^event: (\S+)$/gm)].map((match) => match[1]);
  expect(events[0]).toBe("retrieval");
  expect(events).toContain("text-delta");
  expect(events.at(-1)).toBe("done");

  const login = await fetch(link!, { redirect: "manual" });
  expect(login.status).toBeGreaterThanOrEqual(300);
  expect(login.status).toBeLessThan(400);
  const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
  const admin = await fetch(`${url}/admin/traces`, { headers: { cookie }, redirect: "manual" });
  expect(admin.status).toBe(200);
  expect(await admin.text()).toContain("LoRA 是什麼？");
  // The link works once.
  expect((await fetch(link!, { redirect: "manual" })).status).toBe(401);
  // The generated token itself is never written to the log.
  const code = new URL(link!).searchParams.get("token")!;
  expect(stderr).not.toContain(code);

  child.kill("SIGTERM");
  const exitCode = await new Promise((done) => child!.once("close", done));
  expect(exitCode).toBe(0);
}, 120_000);
