/** The only reader of the environment: defaults as the README states them, errors that name the variable. */
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_VARIABLES, loadConfig } from "../src/config.ts";
import { ConfigError } from "../src/errors.ts";

const documentedDefault = (name: string) =>
  CONFIG_VARIABLES.find((variable) => variable.name === name)!.default;

describe("loadConfig defaults", () => {
  const config = loadConfig({});

  it("serves on 127.0.0.1:8787 from ./corpus into ./data, in the course's time zone", () => {
    expect(`${config.host}:${config.port}`).toBe(`${documentedDefault("HOST")}:${documentedDefault("PORT")}`);
    expect(config.corpusDir).toBe(resolve(documentedDefault("CORPUS_DIR")));
    expect(config.dataDir).toBe(resolve(documentedDefault("DATA_DIR")));
    expect(config.course.timeZone).toBe("Asia/Taipei");
    expect(documentedDefault("COURSE_TIMEZONE")).toBe("Asia/Taipei");
  });

  it("uses every core for inference (node-llama-cpp's own default is at least 4 threads)", () => {
    expect(config.llm.threads).toBe(availableParallelism());
    expect(config.llm.gpu).toBe("auto");
  });

  it("matches the documented numeric defaults", () => {
    const numbers: [string, number][] = [
      ["LLM_CONTEXT_SIZE", config.llm.contextSize],
      ["LLM_PARALLEL", config.llm.parallel],
      ["LLM_QUEUE_MAX", config.llm.queueMax],
      ["LLM_TIMEOUT_MS", config.llm.timeoutMs],
      ["LLM_MAX_TOKENS", config.sampling.maxTokens],
      ["LLM_TEMPERATURE", config.sampling.temperature],
      ["LLM_TOP_P", config.sampling.topP],
      ["LLM_TOP_K", config.sampling.topK],
      ["CHUNK_SIZE", config.chunk.targetChars],
      ["CHUNK_OVERLAP", config.chunk.overlapChars],
      ["RETRIEVAL_TOP_K", config.retrieval.topK],
      ["STORE_REFRESH_SECONDS", config.storeRefreshSeconds],
    ];
    for (const [name, value] of numbers) expect(value, name).toBe(Number(documentedDefault(name)));
    expect(config.ingestOnStart).toBe(true);
  });

  it("has no reranker by default, and its documented candidate count and cut", () => {
    expect(config.rerank.model).toBe(documentedDefault("RERANK_MODEL"));
    expect(config.rerank.model).toBe("none");
    expect(config.rerank.candidates).toBe(Number(documentedDefault("RERANK_CANDIDATES")));
    expect(config.rerank.maxTokens).toBe(Number(documentedDefault("RERANK_MAX_TOKENS")));
  });

  it("accepts an object-store DATA_DIR as is", () => {
    expect(loadConfig({ DATA_DIR: "s3://course-bucket/ta" }).dataDir).toBe("s3://course-bucket/ta");
  });
});

describe("loadConfig errors", () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ PORT: "eighty" }, /PORT=.*not an integer/],
    [{ PORT: "70000" }, /PORT=70000 is out of range/],
    [{ LLM_TOP_P: "1.5" }, /LLM_TOP_P=1\.5 is out of range/],
    [{ LLM_GPU: "tpu" }, /LLM_GPU/],
    [{ COURSE_TIMEZONE: "Mars/Olympus" }, /COURSE_TIMEZONE=Mars\/Olympus is not an IANA time zone/],
    [{ INGEST_ON_START: "maybe" }, /INGEST_ON_START/],
    [{ STORE_REFRESH_SECONDS: "-1" }, /STORE_REFRESH_SECONDS/],
    [{ MODEL: "weights.bin" }, /MODEL=weights\.bin/],
    [{ LLM_BACKEND: "openai" }, /LLM_BASE_URL/],
    [{ RERANK_CANDIDATES: "1" }, /RERANK_CANDIDATES=1 is out of range/],
    [{ RERANK_MAX_TOKENS: "4096" }, /RERANK_MAX_TOKENS=4096 is out of range/],
  ];
  for (const [env, message] of cases) {
    it(`names the variable: ${JSON.stringify(env)}`, () => {
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(message);
    });
  }
});
