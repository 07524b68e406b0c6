import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { env } from "@huggingface/transformers";
import { afterAll, describe, expect, inject, it } from "vitest";
import { DEFAULT_EMBED_MODEL, type EmbedderOptions, loadEmbedder } from "../../src/embed/index.ts";
import { TINY_EMBED_DIMENSION } from "../../src/fixtures/tiny-embed.ts";

const tinyModelDir = join(inject("fixturesDir"), "tiny-embed");
const scratch = mkdtempSync(join(tmpdir(), "embed-failures-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Loads and records the warnings and how long it took. */
async function loadTimed(options: Omit<EmbedderOptions, "modelsDir" | "onWarning"> & { modelsDir?: string }) {
  const warnings: string[] = [];
  const started = performance.now();
  const embedder = await loadEmbedder({
    modelsDir: join(scratch, "cache"),
    ...options,
    onWarning: (message) => warnings.push(message),
  });
  return { embedder, warnings, elapsedMs: performance.now() - started };
}

/**
 * Points transformers.js at a local server that accepts connections and never replies (the worst
 * case for an offline machine) and records the request lines it receives.
 */
async function useSilentHub(): Promise<{ requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    socket.on("data", (data) => requests.push(data.toString().split("\r\n")[0]));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("the silent hub has no port");
  const originalHost = env.remoteHost;
  env.remoteHost = `http://127.0.0.1:${address.port}/`;
  return {
    requests,
    close: async () => {
      env.remoteHost = originalHost;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("loadEmbedder when there is no usable model", () => {
  it("returns null for 'none' with a one-line notice", async () => {
    for (const model of ["none", "NONE", " none "]) {
      const { embedder, warnings } = await loadTimed({ model });
      expect(embedder).toBeNull();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain("'none'");
      expect(warnings[0]).not.toContain("\n");
    }
  });

  it("returns null quickly with one warning naming a missing local folder", async () => {
    const folder = join(scratch, "no-such-model");
    const { embedder, warnings, elapsedMs } = await loadTimed({ model: folder });
    expect(embedder).toBeNull();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(folder);
    expect(warnings[0]).not.toContain("\n");
    expect(elapsedMs).toBeLessThan(2000);
  });

  it("names the folder when it lacks the ONNX file", async () => {
    const folder = join(scratch, "incomplete");
    cpSync(tinyModelDir, folder, { recursive: true });
    rmSync(join(folder, "onnx"), { recursive: true });
    const { embedder, warnings, elapsedMs } = await loadTimed({ model: folder });
    expect(embedder).toBeNull();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(folder);
    expect(warnings[0]).toContain("model.onnx");
    expect(elapsedMs).toBeLessThan(2000);
  });

  it("returns null with a warning for a corrupt ONNX file", async () => {
    const folder = join(scratch, "corrupt");
    cpSync(tinyModelDir, folder, { recursive: true });
    writeFileSync(join(folder, "onnx", "model.onnx"), "not a protobuf");
    const { embedder, warnings } = await loadTimed({ model: folder });
    expect(embedder).toBeNull();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(folder);
  });

  it("returns null with a warning for a hub id that is not cached when downloads are off", async () => {
    const { embedder, warnings, elapsedMs } = await loadTimed({
      model: DEFAULT_EMBED_MODEL,
      allowRemote: false,
    });
    expect(embedder).toBeNull();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(DEFAULT_EMBED_MODEL);
    expect(warnings[0]).toContain("downloads are turned off");
    expect(elapsedMs).toBeLessThan(2000);
  });

  it("gives up on a hub that never answers after the response timeout", async () => {
    const hub = await useSilentHub();
    try {
      const { embedder, warnings, elapsedMs } = await loadTimed({
        model: "test-org/never-answers",
        allowRemote: true,
        responseTimeoutMs: 300,
      });
      expect(embedder).toBeNull();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain("test-org/never-answers");
      expect(warnings[0]).toContain("no response");
      expect(elapsedMs).toBeLessThan(3000);
      expect(hub.requests.length).toBeGreaterThan(0);
    } finally {
      await hub.close();
    }
  });
});

describe("loadEmbedder with a hub id already in the cache", () => {
  /** A fresh cache folder per test, so no test reuses a pipeline another one loaded. */
  function warmCache(name: string): string {
    const modelsDir = join(scratch, name);
    mkdirSync(join(modelsDir, "test-org"), { recursive: true });
    cpSync(tinyModelDir, join(modelsDir, "test-org", "tiny-embed"), { recursive: true });
    return modelsDir;
  }

  it("loads from <modelsDir>/<owner>/<name> with downloads off, using the fp32 file it finds", async () => {
    const { embedder, warnings } = await loadTimed({
      model: "test-org/tiny-embed",
      modelsDir: warmCache("warm-offline"),
      allowRemote: false,
    });
    expect(warnings).toEqual([]);
    expect(embedder?.modelId).toBe("test-org/tiny-embed");
    expect(embedder?.dimension).toBe(TINY_EMBED_DIMENSION);
  });

  it("makes no network request when downloads are allowed but everything is cached", async () => {
    const hub = await useSilentHub();
    try {
      const { embedder, warnings } = await loadTimed({
        model: "test-org/tiny-embed",
        modelsDir: warmCache("warm-online"),
        allowRemote: true,
        responseTimeoutMs: 300,
        onProgress: () => {},
      });
      expect(warnings).toEqual([]);
      expect(embedder?.dimension).toBe(TINY_EMBED_DIMENSION);
      expect(hub.requests).toEqual([]);
    } finally {
      await hub.close();
    }
  });
});
