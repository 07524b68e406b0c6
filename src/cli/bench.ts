/**
 * npm run bench -- retrieval [--sizes 1000,10000,100000] [--rounds 5]
 * npm run bench -- chat [--clients 1,2,4,8] [--tokens 64] [--rounds 9] [--round-tokens 160]
 * npm run bench -- chat --shapes all|0.5B,1.5B,3B,7B [--threads 2]
 * npm run bench -- traces [--count 100000]
 * npm run bench -- rerank [--candidates 10,20] [--max-tokens 256,512] [--dtypes q8,fp32] [--rounds 3] [--threads 2] [--shape base|large]
 * npm run bench (no name): retrieval, chat and traces, one after another, with their default sizes.
 * Prints one JSON document with the figures and the target each one is measured against.
 */
import { AppError } from "../errors.ts";
import { parseCliArgs, runMain } from "./args.ts";
import { benchRetrieval } from "./bench/retrieval.ts";

const USAGE =
  "usage: npm run bench [-- retrieval [--sizes 1000,10000,100000] [--rounds 5] | chat [--clients 1,2,4,8] [--tokens 64] [--rounds 9] [--round-tokens 160] | chat --shapes all|0.5B,1.5B,3B,7B [--threads 2] | traces [--count 100000] | rerank [--candidates 10,20] [--max-tokens 256,512] [--dtypes q8,fp32] [--rounds 3] [--threads 2] [--shape base|large]]";

function readList(flag: string, value: string | undefined, fallback: number[]): number[] {
  if (value === undefined) return fallback;
  const numbers = value.split(",").map(Number);
  if (numbers.some((number) => !Number.isInteger(number) || number < 1)) {
    throw new AppError(
      `--${flag} must be a comma-separated list of positive integers, got ${value}`,
      "bad_request",
    );
  }
  return numbers;
}

runMain(async () => {
  const { values, positionals } = parseCliArgs(
    process.argv.slice(2),
    {
      sizes: { type: "string" },
      rounds: { type: "string" },
      clients: { type: "string" },
      tokens: { type: "string" },
      count: { type: "string" },
      candidates: { type: "string" },
      "max-tokens": { type: "string" },
      "round-tokens": { type: "string" },
      shapes: { type: "string" },
      dtypes: { type: "string" },
      threads: { type: "string" },
      shape: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const which = positionals[0];
  const known = ["retrieval", "chat", "traces", "rerank"];
  if (which !== undefined && !known.includes(which)) {
    throw new AppError(`unknown benchmark ${JSON.stringify(which)}\n${USAGE}`, "bad_request");
  }
  const report: Record<string, unknown> = {};
  if (which === undefined || which === "retrieval") {
    report.retrieval = await benchRetrieval({
      sizes: readList("sizes", values.sizes, [1000, 10_000, 100_000]),
      rounds: readList("rounds", values.rounds, [5])[0]!,
    });
  }
  if (which === "chat" && values.shapes !== undefined) {
    const { benchChatShapes } = await import("./bench/chat-shapes.ts");
    const threads = readList("threads", values.threads, [2])[0]!;
    const labels = values.shapes === "" || values.shapes === "all" ? undefined : values.shapes.split(",");
    process.stdout.write(`${JSON.stringify(await benchChatShapes({ threads, labels }), null, 2)}\n`);
    return 0;
  }
  if (which === undefined || which === "chat") {
    const { benchChat } = await import("./bench/chat.ts");
    report.chat = await benchChat({
      clients: readList("clients", values.clients, [1, 2, 4, 8]),
      tokens: readList("tokens", values.tokens, [64])[0]!,
      rounds: readList("rounds", values.rounds, [9])[0]!,
      roundTokens: readList("round-tokens", values["round-tokens"], [160])[0]!,
    });
  }
  if (which === undefined || which === "traces") {
    const { benchTraces } = await import("./bench/traces.ts");
    report.traces = await benchTraces({ count: readList("count", values.count, [100_000])[0]! });
  }
  if (which === "rerank") {
    const { benchRerank } = await import("./bench/rerank.ts");
    const { XLM_ROBERTA_BASE_SHAPE, XLM_ROBERTA_LARGE_SHAPE } = await import("../fixtures/tiny-rerank.ts");
    const dtypes = (values.dtypes ?? "q8,fp32").split(",");
    if (dtypes.some((dtype) => dtype !== "q8" && dtype !== "fp32"))
      throw new AppError(`--dtypes takes q8 and/or fp32, got ${values.dtypes}`, "bad_request");
    if (values.shape !== undefined && values.shape !== "base" && values.shape !== "large")
      throw new AppError(`--shape takes base or large, got ${values.shape}`, "bad_request");
    report.rerank = await benchRerank({
      candidates: readList("candidates", values.candidates, [10, 20]),
      maxTokens: readList("max-tokens", values["max-tokens"], [256, 512]),
      dtypes: dtypes as ("q8" | "fp32")[],
      rounds: readList("rounds", values.rounds, [3])[0]!,
      threads: readList("threads", values.threads, [2])[0]!,
      shape: values.shape === "large" ? XLM_ROBERTA_LARGE_SHAPE : XLM_ROBERTA_BASE_SHAPE,
    });
  }
  const output = which === undefined ? report : report[which];
  process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
  return 0;
});
