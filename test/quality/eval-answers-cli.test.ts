/**
 * `npm run eval -- answers` as a child process, end to end: through the real pipeline with a local
 * OpenAI-compatible fake serving fixed answers and fixed judge verdicts (so every score is known),
 * and with the generated tiny model. Runs are read back from LanceDB as the admin page reads them.
 */
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { EvalRun } from "../../src/store/eval-runs.ts";
import { EvalRunStore } from "../../src/store/eval-runs.ts";
import { openDatabase, TraceStore } from "../../src/store/index.ts";
import { type FakeOpenAi, startFakeOpenAi } from "../helpers/fake-openai.ts";

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function evalAnswers(args: string[], env: Record<string, string>): Promise<RunResult> {
  return new Promise((done) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", resolve("src/cli/eval.ts"), "answers", ...args],
      { env: { ...process.env, LOG_LEVEL: "warn", ...env }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

const LATE = "作業晚交一天會被扣多少分？";
const DEADLINE = "HW2 的截止時間是什麼時候？";
const DINNER = "今天晚餐吃什麼好？";
const GOLD = [
  { question: LATE, facts: ["扣該次作業分數的 10%", "最多可以遲交 5 天"], sources: ["faq.md"] },
  { question: DEADLINE, facts: ["10/22（四）"], sources: ["syllabus.md"] },
  { question: DINNER, refuse: true },
];

let root: string;
let goldFile: string;
let fake: FakeOpenAi;
/** Which fixed answers the fake TA gives: the second version states the fact the first one missed. */
let answerVersion: 1 | 2 = 1;

function fakeReply(request: { stream: boolean; messages: { content: string }[] }): string {
  const prompt = request.messages.map((message) => message.content).join("\n");
  if (!request.stream) {
    if (prompt.includes("Split the ANSWER")) return '{"claims": ["遲交一天扣 10%", "可以無限期遲交"]}';
    if (prompt.includes("checking whether claims"))
      return 'Here you go: {"verdicts": [{"claim": "a", "supported": true}, {"claim": "b", "supported": false}]}';
    if (prompt.includes("addresses the")) return '{"score": 5, "reason": "direct"}';
    return "{}";
  }
  const question = request.messages.at(-1)!.content;
  if (question.includes(LATE))
    return answerVersion === 1
      ? "每晚一天扣該次作業分數的 10% [1]。"
      : "每晚一天扣該次作業分數的 10% [1]，最多可以遲交五天 [1]。";
  if (question.includes(DEADLINE)) return "HW2 的截止時間是 10/22（四）23:59 [9]。";
  return "我不知道。";
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "eval-answers-"));
  cpSync(resolve("corpus"), join(root, "corpus"), { recursive: true });
  goldFile = join(root, "gold.jsonl");
  writeFileSync(goldFile, `${GOLD.map((line) => JSON.stringify(line)).join("\n")}\n`);
  fake = await startFakeOpenAi(fakeReply);
});

afterAll(async () => {
  await fake?.close();
  rmSync(root, { recursive: true, force: true });
});

describe("with an OpenAI-compatible fake serving fixed answers and verdicts", () => {
  const env = () => ({
    CORPUS_DIR: join(root, "corpus"),
    DATA_DIR: join(root, "data"),
    EMBED_MODEL: "none",
    LLM_BACKEND: "openai",
    LLM_BASE_URL: fake.url,
    LLM_MODEL: "fake-ta",
    JUDGE_BASE_URL: fake.url,
    JUDGE_MODEL: "fake-judge",
    JUDGE_API_KEY: "judge-key-0123456789",
  });
  let first: EvalRun;

  it("scores every answer, stores the run with its traces, and judges with the fixed verdicts", async () => {
    const result = await evalAnswers(["--gold", goldFile, "--json", "--judge"], env());
    expect(result.code, result.stderr).toBe(0);
    first = JSON.parse(result.stdout) as EvalRun;
    expect(first.model).toBe("fake-ta");
    expect(first.promptHash).toMatch(/^[0-9a-f]{12}$/);
    expect(first.corpusVersion).toBeGreaterThan(0);
    const [late, deadline, dinner] = first.rows;
    expect(late).toMatchObject({ factRecall: 0.5, missingFacts: ["最多可以遲交 5 天"], mode: "answer" });
    expect(late!.sourcesHit).toBe(true);
    expect(deadline).toMatchObject({ factRecall: 1, citationValidity: 0, invalidCitations: [9] });
    expect(dinner).toMatchObject({
      mode: "refusal",
      declined: true,
      refusalCorrect: true,
      faithfulness: null,
    });
    // Fixed verdicts: one claim of two supported, relevance 5 of 5.
    expect(late).toMatchObject({ faithfulness: 0.5, answerRelevance: 1 });
    expect(first.summary).toMatchObject({
      questions: 3,
      factRecall: 0.75,
      refusalCorrectness: 1,
      faithfulness: 0.5,
      answerRelevance: 1,
    });
    expect(first.judge).toEqual({ status: "ok", model: "fake-judge" });
    const judgeRequests = fake.requests.filter((request) => !request.stream);
    expect(judgeRequests.length).toBe(6); // claims, verify, relevance for each of the two answers
    expect(judgeRequests.every((request) => request.authorization === "Bearer judge-key-0123456789")).toBe(
      true,
    );

    const database = await openDatabase(join(root, "data"));
    const stored = await (await EvalRunStore.open(database)).get(first.id);
    expect(stored).toEqual(first);
    const traces = await TraceStore.open(database);
    const trace = await traces.get(late!.traceId);
    expect(trace).toMatchObject({ platform: "eval", question: LATE, mode: "answer" });
    await traces.close();
  });

  it("--compare lists the questions whose scores changed", async () => {
    answerVersion = 2;
    const result = await evalAnswers(["--gold", goldFile, "--compare", first.id], env());
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("| fact recall | 1.000 |");
    expect(result.stdout).toContain(`compared with run ${first.id}:`);
    expect(result.stdout).toContain(`better ${LATE}: fact recall 0.500 -> 1.000`);
    expect(result.stdout).not.toContain(DEADLINE);
  });

  it("a broken gold line is named and nothing runs", async () => {
    const broken = join(root, "broken.jsonl");
    writeFileSync(broken, `${JSON.stringify(GOLD[0])}\n{"question": "x", "refuse": "yes"}\n`);
    const before = fake.requests.length;
    const dataDir = join(root, "untouched");
    const result = await evalAnswers(["--gold", goldFile, "--gold", broken], { ...env(), DATA_DIR: dataDir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--gold ${broken}:2: "refuse" must be true or false`);
    expect(fake.requests.length).toBe(before);
    expect(existsSync(dataDir)).toBe(false);
  });

  it("an unreachable judge fails the run with its URL masked, and the other scores are kept", async () => {
    const result = await evalAnswers(["--gold", goldFile, "--json", "--judge"], {
      ...env(),
      JUDGE_BASE_URL: "http://staff:hunter2-secret@127.0.0.1:9/v1?key=abc123",
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("the judge at http://***:***@127.0.0.1:9/v1?key=*** is unreachable");
    expect(result.stderr + result.stdout).not.toContain("hunter2-secret");
    expect(result.stderr + result.stdout).not.toContain("abc123");
    const run = JSON.parse(result.stdout) as EvalRun;
    expect(run.judge.status).toBe("failed");
    expect(run.summary).toMatchObject({ factRecall: 1, refusalCorrectness: 1, faithfulness: null });
  });
});

describe("with the generated tiny model", () => {
  it("runs the questions through node-llama-cpp and stores the run", async () => {
    const fixturesDir = inject("fixturesDir");
    const gold = join(root, "tiny-gold.jsonl");
    writeFileSync(gold, `${[GOLD[1], GOLD[2]].map((line) => JSON.stringify(line)).join("\n")}\n`);
    const result = await evalAnswers(["--gold", gold, "--json"], {
      CORPUS_DIR: join(root, "corpus"),
      DATA_DIR: join(root, "tiny-data"),
      MODEL: join(fixturesDir, "tiny-chat.gguf"),
      EMBED_MODEL: join(fixturesDir, "tiny-embed"),
      LLM_THREADS: "1",
      LLM_MAX_TOKENS: "24",
      LLM_CONTEXT_SIZE: "4096",
    });
    expect(result.code, result.stderr).toBe(0);
    const run = JSON.parse(result.stdout) as EvalRun;
    expect(run.model).toBe("tiny-chat");
    expect(run.rows.map((row) => row.mode)).toEqual(["answer", "refusal"]);
    expect(run.rows[0]!.traceId).toMatch(/[0-9a-f-]{36}/);
    expect(run.summary.questions).toBe(2);
    const runs = await EvalRunStore.open(await openDatabase(join(root, "tiny-data")));
    expect((await runs.list()).map((stored) => stored.id)).toEqual([run.id]);
  }, 120_000);
});
