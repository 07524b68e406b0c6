/**
 * DATA_DIR on an object store, as a new user runs it: an ingest then `npm run search` against
 * a local S3-compatible server (s3rver on 127.0.0.1, whose listings have no common prefixes, so
 * anything deciding existence by listing tables finds nothing). Also: a start with refused
 * credentials or an unreachable endpoint fails with a message naming the endpoint, and no secret
 * (checked in-process on openCorpus, the first thing every entry point does).
 */
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { createEmbedder, ingestConfiguredCorpus, openCorpus } from "../../src/deps.ts";
import { AppError } from "../../src/errors.ts";
import { createLogger } from "../../src/log.ts";
import { type LocalS3, startLocalS3 } from "../helpers/s3.ts";

let s3: LocalS3;
let root: string;
beforeAll(async () => {
  s3 = await startLocalS3(["ta"]);
  root = mkdtempSync(join(tmpdir(), "course-ta-s3-cli-"));
  cpSync(resolve("corpus"), join(root, "corpus"), { recursive: true });
});
afterAll(async () => {
  await s3?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** Runs `npm run <script>` as its own process (tsx, as package.json does) with `env` on top. */
function runCli(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ["--import", "tsx", resolve(`src/cli/${script}.ts`), ...args], {
      env: { ...process.env, LOG_LEVEL: "warn", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

function cliEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...s3.env,
    DATA_DIR: "s3://ta/proj",
    CORPUS_DIR: join(root, "corpus"),
    MODELS_DIR: join(root, "models"),
    EMBED_MODEL: join(inject("fixturesDir"), "tiny-embed"),
    ...extra,
  };
}

it("`npm run search` finds what an ingest wrote to s3://", async () => {
  // The ingest runs here, as `npm run ingest` does (its own process is run in object-store-replicas).
  const config = loadConfig(cliEnv());
  const corpus = await openCorpus(config);
  const summary = await ingestConfiguredCorpus(config, corpus, await createEmbedder(config, createLogger()));
  expect(summary.added.length).toBeGreaterThan(0);

  const search = await runCli("search", ["--json", "期末專題"], cliEnv());
  expect(search.code, search.stderr).toBe(0);
  expect(search.stderr).not.toMatch(/is empty/);
  const passages = JSON.parse(search.stdout) as { source: string }[];
  expect(passages.length).toBeGreaterThan(0);
}, 60_000);

/** What `npm start`, `npm run ingest` and `npm run search` do first: open the corpus named by the config. */
async function openFails(extra: Record<string, string>): Promise<string> {
  const failure = await openCorpus(loadConfig(cliEnv(extra))).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(failure).toBeInstanceOf(AppError);
  expect((failure as AppError).code).toBe("store_unavailable");
  return (failure as AppError).message;
}

it("stops a start with refused credentials, naming the endpoint and not the secret", async () => {
  const secret = "wrong-secret-key-0123456789";
  const message = await openFails({ AWS_ACCESS_KEY_ID: "NOT-A-KEY", AWS_SECRET_ACCESS_KEY: secret });
  expect(message).toContain(`s3://ta/proj (endpoint ${s3.endpoint})`);
  expect(message).toMatch(/refused the credentials \(HTTP 403\)/);
  expect(message).not.toContain(secret);
});

it("stops a start with an unreachable endpoint, naming it", async () => {
  const unreachable = "http://127.0.0.1:9"; // the discard port: nothing listens there
  const message = await openFails({ AWS_ENDPOINT: unreachable });
  expect(message).toContain(`(endpoint ${unreachable})`);
  expect(message).toMatch(/unreachable/);
});
