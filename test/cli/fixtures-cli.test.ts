/** `npm run fixtures -- <dir>` as a person runs it: writes the tiny embedding model, the tiny reranker and the tiny GGUF. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect, it } from "vitest";

it("writes tiny-embed/, tiny-rerank/ and tiny-chat.gguf into the folder it is given", () => {
  const dir = mkdtempSync(join(tmpdir(), "fixtures-cli-"));
  try {
    const result = spawnSync(process.execPath, ["--import", "tsx", resolve("src/cli/fixtures.ts"), dir], {
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/tiny-embed/);
    expect(result.stdout).toMatch(/tiny-rerank/);
    expect(result.stdout).toMatch(/tiny-chat\.gguf/);
    expect(readFileSync(join(dir, "tiny-chat.gguf")).subarray(0, 4).toString("latin1")).toBe("GGUF");
    for (const file of ["config.json", "tokenizer.json", "tokenizer_config.json"]) {
      expect(existsSync(join(dir, "tiny-embed", file)), file).toBe(true);
    }
    for (const file of ["config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model.onnx"]) {
      expect(existsSync(join(dir, "tiny-rerank", file)), file).toBe(true);
    }
    const missing = spawnSync(process.execPath, ["--import", "tsx", resolve("src/cli/fixtures.ts")], {
      encoding: "utf8",
    });
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/usage|folder|dir/i);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
