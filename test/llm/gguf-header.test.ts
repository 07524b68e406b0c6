import {
  copyFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { AppError } from "../../src/errors.ts";
import { tinyChatModelContents } from "../../src/fixtures/tiny-gguf.ts";
import { validateGgufFile } from "../../src/llm/gguf-header.ts";
import { type GgufMetadataValue, ggufValue, writeGgufFile } from "../../src/llm/gguf-writer.ts";

const modelPath = join(inject("fixturesDir"), "tiny-chat.gguf");
const scratch = mkdtempSync(join(tmpdir(), "gguf-header-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function expectRejection(path: string, code: string, message: RegExp): Promise<void> {
  const error = await validateGgufFile(path).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  expect((error as AppError).message).toContain(path);
  expect((error as AppError).message).toMatch(message);
}

/** The tiny model with some metadata entries replaced (undefined value: removed). */
async function writeVariant(name: string, changes: Record<string, GgufMetadataValue | undefined>) {
  const contents = tinyChatModelContents();
  const metadata = contents.metadata
    .filter(([key]) => !(key in changes) || changes[key] !== undefined)
    .map(([key, value]): [string, GgufMetadataValue] => [key, changes[key] ?? value]);
  const path = join(scratch, name);
  await writeGgufFile(path, { metadata, tensors: contents.tensors });
  return path;
}

describe("validateGgufFile", () => {
  it("summarises the generated tiny model", async () => {
    const summary = await validateGgufFile(modelPath);
    expect(summary).toMatchObject({
      version: 3,
      architecture: "llama",
      name: "tiny-chat",
      contextLength: 4096,
      embeddingLength: 64,
      blockCount: 2,
      tokenizerModel: "llama",
      alignment: 32,
      tensorCount: 2 * 9 + 3,
    });
    expect(summary.vocabularySize).toBeGreaterThan(3000);
    expect(summary.chatTemplate).toContain("<|im_start|>");
    expect(summary.dataOffset % 32).toBe(0);
  });

  it("rejects a missing file as unavailable", async () => {
    await expectRejection(join(scratch, "nope.gguf"), "model_unavailable", /does not exist/);
  });

  it("rejects a file that is not GGUF", async () => {
    const path = join(scratch, "bad-magic.gguf");
    const bytes = readFileSync(modelPath);
    bytes.write("GGML", 0, "latin1");
    writeFileSync(path, bytes);
    await expectRejection(path, "model_invalid", /not a GGUF file/);
  });

  it("rejects an unsupported version", async () => {
    const path = join(scratch, "version.gguf");
    const bytes = readFileSync(modelPath);
    bytes.writeUInt32LE(99, 4);
    writeFileSync(path, bytes);
    await expectRejection(path, "model_invalid", /version 99/);
  });

  it("rejects a file cut inside the header", async () => {
    const path = join(scratch, "cut-header.gguf");
    copyFileSync(modelPath, path);
    truncateSync(path, 5000);
    await expectRejection(path, "model_invalid", /truncated/);
  });

  it("rejects a file cut inside the tensor data", async () => {
    const path = join(scratch, "cut-data.gguf");
    copyFileSync(modelPath, path);
    truncateSync(path, statSync(path).size - 100);
    await expectRejection(path, "model_invalid", /tensor data beyond end of file/);
  });

  it("rejects a SentencePiece vocabulary without byte tokens", async () => {
    const entry = tinyChatModelContents().metadata.find(([key]) => key === "tokenizer.ggml.tokens")?.[1];
    const tokens = entry?.type === "array" && entry.itemType === "string" ? entry.values : [];
    // Same count (so tensor shapes still match), but the <0xNN> pieces are gone.
    const renamed = tokens.map((token, index) =>
      /^<0x[0-9A-F]{2}>$/.test(token) ? `<byte${index}>` : token,
    );
    const path = await writeVariant("no-bytes.gguf", { "tokenizer.ggml.tokens": ggufValue.strings(renamed) });
    await expectRejection(path, "model_invalid", /without 256 of the 256 byte tokens/);
  });

  it("rejects a missing or empty vocabulary", async () => {
    const missing = await writeVariant("no-vocab.gguf", { "tokenizer.ggml.tokens": undefined });
    await expectRejection(missing, "model_invalid", /no tokenizer vocabulary/);
    const empty = await writeVariant("empty-vocab.gguf", { "tokenizer.ggml.tokens": ggufValue.strings([]) });
    await expectRejection(empty, "model_invalid", /empty tokenizer vocabulary/);
  });

  it("rejects scores that do not match the vocabulary, and special ids outside it", async () => {
    const scores = await writeVariant("scores.gguf", { "tokenizer.ggml.scores": ggufValue.float32s([0, 1]) });
    await expectRejection(scores, "model_invalid", /tokenizer\.ggml\.scores/);
    const eos = await writeVariant("eos.gguf", { "tokenizer.ggml.eos_token_id": ggufValue.uint32(999_999) });
    await expectRejection(eos, "model_invalid", /eos_token_id = 999999/);
  });

  it("rejects a model without an architecture", async () => {
    const path = await writeVariant("no-arch.gguf", { "general.architecture": undefined });
    await expectRejection(path, "model_invalid", /general\.architecture/);
  });
});
