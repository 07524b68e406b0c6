import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { writeFixtures } from "../../src/fixtures/index.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Folder holding tiny-embed/, tiny-rerank/ and tiny-chat.gguf, generated once per test run. */
    fixturesDir: string;
  }
}

let fixturesDir = "";

export async function setup(project: TestProject) {
  fixturesDir = mkdtempSync(join(tmpdir(), "course-ta-fixtures-"));
  await writeFixtures(fixturesDir);
  project.provide("fixturesDir", fixturesDir);
}

export async function teardown() {
  if (fixturesDir) rmSync(fixturesDir, { recursive: true, force: true });
}
