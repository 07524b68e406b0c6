/** The Worker bundles for Cloudflare with wrangler's dry run, offline, without any native module. */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { bundleEdgeWorker, makeBundleDir } from "./helpers.ts";

describe("wrangler deploy --dry-run", () => {
  const outdir = makeBundleDir();
  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
  });

  it("bundles src/edge/worker.ts with Hono and no Node-only or native code", async () => {
    const bundle = await bundleEdgeWorker(outdir);
    expect(existsSync(bundle.scriptPath)).toBe(true);
    expect(bundle.output).toContain("--dry-run: exiting now.");
    expect(bundle.output).toContain("env.ORIGIN_URL");
    const code = readFileSync(bundle.scriptPath, "utf8");
    expect(code).toContain("node_modules/hono/");
    expect(code).toContain("/internal/relay/");
    for (const forbidden of [
      "node-llama-cpp",
      "lancedb",
      "onnx",
      "@huggingface/transformers",
      "discord.js",
      "@line/bot-sdk",
      "src/llm/",
      "src/embed/",
      "src/store/",
    ]) {
      expect(code, `bundle mentions ${forbidden}`).not.toContain(forbidden);
    }
    // No Node built-ins: the Worker runs without nodejs_compat.
    expect(code).not.toMatch(/from\s*["']node:/);
    expect(code).not.toMatch(/require\(["'](node:)?(fs|path|crypto|http|child_process)["']\)/);
  });
});
