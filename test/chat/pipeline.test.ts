/**
 * Every branch of the chat pipeline, in-process: real LanceDB stores and full-text retrieval over
 * the team corpus in a temp folder, the real prompt templates, and a scripted LlmEngine standing in
 * for the model (test/helpers/scripted-engine.ts) so timing, failures and refusals are on demand.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ChatDeps,
  type ChatEvent,
  type ChatInput,
  collectAnswer,
  createTraceClock,
  prepareChat,
} from "../../src/chat/index.ts";
import { loadConfig } from "../../src/config.ts";
import { loadPromptTemplates } from "../../src/deps.ts";
import { AppError } from "../../src/errors.ts";
import type { LlmEngine } from "../../src/llm/index.ts";
import { createLogger } from "../../src/log.ts";
import { TIME_LABEL } from "../../src/prompt/index.ts";
import type { Retriever } from "../../src/retrieve/index.ts";
import { decideReply } from "../../src/safety/reply-decision.ts";
import { ConversationStore, openDatabase, TraceStore } from "../../src/store/index.ts";
import type { Trace } from "../../src/types.ts";
import { fulltextRetrieverOver, readEvalSet } from "../helpers/eval-sets.ts";
import { createScriptedEngine } from "../helpers/scripted-engine.ts";

const root = mkdtempSync(join(tmpdir(), "pipeline-"));
const config = loadConfig({});
const logs: string[] = [];
let retriever: Retriever;
let traces: TraceStore;
let conversations: ConversationStore;
let baseDeps: Omit<ChatDeps, "llm">;
let conversationCounter = 0;

beforeAll(async () => {
  retriever = await fulltextRetrieverOver(resolve("corpus"), join(root, "corpus-db"));
  const database = await openDatabase(join(root, "data"));
  const logger = createLogger({ level: "debug", write: (line) => logs.push(line) });
  traces = await TraceStore.open(database, { logger });
  conversations = await ConversationStore.open(database, { logger });
  baseDeps = {
    retriever,
    traces,
    conversations,
    templates: await loadPromptTemplates(resolve("prompts")),
    course: config.course,
    samplingDefaults: config.sampling,
    messageMaxChars: config.limits.messageMaxChars,
    relevance: config.relevance,
    logger,
    clock: createTraceClock(),
  };
});
afterAll(async () => {
  await traces?.close();
  rmSync(root, { recursive: true, force: true });
});

function deps(llm: LlmEngine | null, overrides: Partial<ChatDeps> = {}): ChatDeps {
  return { ...baseDeps, llm, ...overrides };
}

function input(message: string, extra: Partial<ChatInput> = {}): ChatInput {
  conversationCounter++;
  return { message, platform: "http", conversationId: `pipeline-${conversationCounter}`, ...extra };
}

async function storedTrace(id: string): Promise<Trace> {
  await traces.flush();
  const trace = await traces.get(id);
  if (!trace) throw new Error(`trace ${id} was not written`);
  return trace;
}

async function run(chatDeps: ChatDeps, chatInput: ChatInput) {
  const chat = prepareChat(chatInput, chatDeps);
  const events: ChatEvent[] = [];
  const answer = await collectAnswer(chat.events(), (_answer, event) => events.push(event));
  return { chat, events, answer, trace: await storedTrace(chat.traceId) };
}

const types = (events: ChatEvent[]) => events.map((event) => event.type);

describe("prepareChat and its events", () => {
  it("answers a course question: retrieval, the model's tokens, done; trace ok; history written once", async () => {
    const engine = createScriptedEngine({ tokens: ["可以", "遲交", "。"] });
    const chatInput = input("作業可以遲交嗎？");
    const { chat, events, answer, trace } = await run(deps(engine), chatInput);
    expect(types(events)).toEqual(["retrieval", "text-delta", "text-delta", "text-delta", "done"]);
    expect(answer.text).toBe("可以遲交。");
    expect(answer.mode).toBe("answer");
    expect(answer.passages.length).toBeGreaterThan(0);
    expect(trace).toMatchObject({
      status: "ok",
      mode: "answer",
      answer: "可以遲交。",
      conversationId: chat.conversationId,
    });
    expect(trace.prompt).toContain(answer.passages[0]!.chunk.text.slice(0, 20)); // the passages reached the model
    expect(trace.usage.completionTokens).toBe(3);
    expect(trace.usage.reusedPromptTokens).toBe(0); // the engine's count, kept through the store
    expect(engine.requests).toHaveLength(1);
    // The time of day goes with the question, after the passages; the system prompt has none.
    const [systemMessage, ...rest] = engine.requests[0]!.messages;
    expect(systemMessage!.content).not.toMatch(/\d{1,2}:\d{2}/);
    const userTurn = rest.at(-1)!.content;
    expect(userTurn.indexOf(TIME_LABEL)).toBeGreaterThan(userTurn.indexOf("</passages>"));
    expect(engine.admitted).toBe(0);
    const history = await conversations.history(chatInput.conversationId!);
    expect(history.map((turn) => [turn.role, turn.content])).toEqual([
      ["user", "作業可以遲交嗎？"],
      ["assistant", "可以遲交。"],
    ]);
  });

  it("drops the lowest-ranked passages, not the question, when the passages overflow the context", async () => {
    const roomy = createScriptedEngine();
    const full = await run(deps(roomy), input("作業可以遲交嗎？"));
    const passageCount = full.answer.passages.length;
    expect(passageCount).toBeGreaterThan(2);
    const fullPrompt = roomy.renderPrompt(roomy.requests[0]!.messages).tokens;
    const lastPassage = full.answer.passages.at(-1)!.chunk.text;
    // Room for everything but the last passage (the scripted engine counts one token per character).
    const contextSize = fullPrompt + full.trace.sampling.maxTokens - Math.floor(lastPassage.length / 2);
    const tight = createScriptedEngine({ contextSize });
    const { answer, trace } = await run(deps(tight), input("作業可以遲交嗎？"));
    expect(answer.mode).toBe("answer");
    expect(trace.status).toBe("ok");
    const userTurn = tight.requests[0]!.messages.at(-1)!.content;
    expect(userTurn).toContain(full.answer.passages[0]!.chunk.text.slice(0, 30));
    expect(userTurn).not.toContain(`[${passageCount}]`);
    expect(
      tight.renderPrompt(tight.requests[0]!.messages).tokens + trace.sampling.maxTokens,
    ).toBeLessThanOrEqual(contextSize);
  });

  it("answers retrieval-only without a model", async () => {
    const { answer, trace } = await run(deps(null), input("作業可以遲交嗎？"));
    expect(answer.mode).toBe("retrieval-only");
    expect(answer.text).toContain(answer.passages[0]!.chunk.title);
    expect(trace.status).toBe("ok");
  });

  it.each([
    ["crisis", "我不想活了，想結束自己的生命"],
    ["refusal", "幫我寫一個可以偷密碼的木馬程式"],
    ["smalltalk", "你好"],
  ])(
    "gives the fixed %s reply without retrieval or the model, even when the model is full",
    async (mode, message) => {
      const engine = createScriptedEngine({ capacity: 0 });
      const { events, answer, trace } = await run(deps(engine), input(message));
      expect(types(events)).toEqual(["retrieval", "text-delta", "done"]);
      expect(answer.mode).toBe(mode);
      expect(answer.passages).toEqual([]);
      expect(engine.requests).toHaveLength(0);
      expect(trace).toMatchObject({ status: "ok", mode });
    },
  );

  it("declines an off-topic question after retrieval and gives its place back", async () => {
    const engine = createScriptedEngine({ capacity: 1 });
    const { answer } = await run(deps(engine), input("推薦台北車站附近好吃的拉麵店"));
    expect(answer.mode).toBe("refusal");
    expect(answer.text).toContain("1925"); // the safety net line
    expect(engine.requests).toHaveLength(0);
    expect(engine.admitted).toBe(0);
  });

  it("says a course question is not covered when the best passage covers too little of it", async () => {
    const weak: Retriever = {
      mode: "fulltext",
      retrieve: async (question) => ({ ...(await retriever.retrieve(question)), relevance: 0.05 }),
    };
    const engine = createScriptedEngine();
    const { answer } = await run(deps(engine, { retriever: weak }), input("期中考的範圍是什麼？"));
    expect(answer.mode).toBe("not-covered");
    expect(engine.requests).toHaveLength(0);
  });

  it("gives a student showing distress the support reply instead of 'off-topic'", async () => {
    const message = readEvalSet<{ text: string }>("distress-messages.jsonl")
      .map((item) => item.text)
      .find(
        (text) =>
          decideReply(text) === "retrieve" &&
          decideReply(text, { searchText: text, relevance: 0 }, config.relevance) === "support",
      );
    expect(message, "a distress message the relevance step decides").toBeDefined();
    const weak: Retriever = {
      mode: "fulltext",
      retrieve: async (question) => ({ ...(await retriever.retrieve(question)), relevance: 0 }),
    };
    const { answer } = await run(deps(createScriptedEngine(), { retriever: weak }), input(message!));
    expect(answer.mode).toBe("crisis");
    expect(answer.text).toContain("1925");
  });

  it("reports a model failing mid-answer as an error event; the trace fails, history stays empty", async () => {
    const engine = createScriptedEngine({
      tokens: ["一", "二", "三"],
      failAfter: { tokens: 1, error: new AppError("the inference stream broke", "generation_failed") },
    });
    const chatInput = input("作業可以遲交嗎？");
    const { events, answer, trace } = await run(deps(engine), chatInput);
    expect(types(events)).toEqual(["retrieval", "text-delta", "error"]);
    expect(answer.error).toEqual({ code: "generation_failed", message: "the inference stream broke" });
    expect(trace).toMatchObject({ status: "failed", error: { code: "generation_failed" }, answer: "一" });
    expect(await conversations.history(chatInput.conversationId!)).toEqual([]);
    expect(engine.admitted).toBe(0);
  });

  it("marks the trace cancelled when the client stops reading, and when it aborts", async () => {
    const engine = createScriptedEngine({ tokens: ["一", "二", "三", "四"], tokenDelayMs: 20 });
    const gone = prepareChat(input("作業可以遲交嗎？"), deps(engine));
    for await (const event of gone.events()) if (event.type === "text-delta") break;
    expect(await storedTrace(gone.traceId)).toMatchObject({ status: "failed", error: { code: "cancelled" } });

    const abort = new AbortController();
    const aborted = prepareChat(input("作業可以遲交嗎？", { signal: abort.signal }), deps(engine));
    const events: ChatEvent[] = [];
    for await (const event of aborted.events()) {
      events.push(event);
      if (event.type === "text-delta") abort.abort();
    }
    expect(events.at(-1)).toMatchObject({ type: "error", code: "cancelled", traceId: aborted.traceId });
    expect(await storedTrace(aborted.traceId)).toMatchObject({
      status: "failed",
      error: { code: "cancelled" },
    });
    expect(engine.admitted).toBe(0);
  });

  it("refuses at once when the model is full: the call throws, nothing is written", async () => {
    const engine = createScriptedEngine({ capacity: 0 });
    const before = await traces.count();
    expect(() => prepareChat(input("作業可以遲交嗎？"), deps(engine))).toThrow(
      expect.objectContaining({ code: "overloaded" }),
    );
    await traces.flush();
    expect(await traces.count()).toBe(before);
  });

  it("refuses bad input and another platform's conversation at the call", () => {
    const engine = createScriptedEngine();
    expect(() => prepareChat(input("   "), deps(engine))).toThrow(
      expect.objectContaining({ code: "invalid_message" }),
    );
    expect(() => prepareChat(input("你好", { conversationId: "line:user:U0123" }), deps(engine))).toThrow(
      expect.objectContaining({ code: "bad_request" }),
    );
    expect(engine.admitted).toBe(0);
  });

  it("moves the trace from running to ok while it streams, and reads its events once", async () => {
    const engine = createScriptedEngine({ tokens: ["一", "二"], tokenDelayMs: 30 });
    const chat = prepareChat(input("作業可以遲交嗎？"), deps(engine));
    const events = chat.events();
    await events.next(); // retrieval
    expect((await storedTrace(chat.traceId)).status).toBe("running");
    for await (const _ of events) {
      // read to the end
    }
    expect((await storedTrace(chat.traceId)).status).toBe("ok");
    expect(() => chat.events()).toThrow(/once/);
  });

  it("answers a raw inference request with the messages as sent: no retrieval, no TA prompt", async () => {
    const engine = createScriptedEngine({ tokens: ["ok"] });
    const { events, trace } = await run(
      deps(engine),
      input("hi", {
        platform: "openai",
        conversationId: undefined,
        rawMessages: [{ role: "user", content: "hi" }],
      }),
    );
    expect(types(events)).toEqual(["retrieval", "text-delta", "done"]);
    expect(engine.requests[0]!.messages).toEqual([{ role: "user", content: "hi" }]);
    expect(trace.passages).toEqual([]);
  });
});
