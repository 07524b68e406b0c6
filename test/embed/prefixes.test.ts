import { describe, expect, it } from "vitest";
import { DEFAULT_EMBED_MODEL, passagePrefix, queryPrefix } from "../../src/embed/index.ts";

describe("query and passage prefixes", () => {
  it("uses query: / passage: for the e5 family, the default model included", () => {
    for (const model of [DEFAULT_EMBED_MODEL, "intfloat/e5-small-v2", "/srv/models/multilingual-e5-base/"]) {
      expect(queryPrefix(model)).toBe("query: ");
      expect(passagePrefix(model)).toBe("passage: ");
    }
  });

  it("puts an instruction on queries only for e5 instruct models", () => {
    expect(queryPrefix("intfloat/multilingual-e5-large-instruct")).toMatch(/^Instruct: .*\nQuery: $/);
    expect(passagePrefix("intfloat/multilingual-e5-large-instruct")).toBe("");
  });

  it("adds nothing for bge-m3, the tiny fixture, and unknown models", () => {
    for (const model of ["Xenova/bge-m3", "BAAI/bge-m3", "/tmp/fixtures/tiny-embed", "someone/some-model"]) {
      expect(queryPrefix(model)).toBe("");
      expect(passagePrefix(model)).toBe("");
    }
  });

  it("does not mistake names that merely contain e5 for the e5 family", () => {
    expect(queryPrefix("someone/rose5-embed")).toBe("");
  });
});
