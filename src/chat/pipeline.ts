/**
 * runChat: one question in, one stream of ChatEvents out. Retrieval, prompt, generation and the
 * trace all happen here; platforms (HTTP, bots) only translate events.
 */
import { AppError, errorCode, errorMessage } from "../errors.ts";
import type { GenerateRequest, LlmEngine, ModelTicket, StopReason } from "../llm/index.ts";
import type { Logger } from "../log.ts";
import {
  buildUserTurn,
  fillTemplate,
  formatPassages,
  type HistoryTurn,
  type HomeworkPolicy,
  planPrompt,
  renderRetrievalOnlyReply,
  renderSystemPrompt,
} from "../prompt/index.ts";
import { type RetrievalResult, type Retriever, searchTextFor } from "../retrieve/index.ts";
import { classifyMessage, decideRelevance } from "../safety/rules.ts";
import type { ConversationStore, TraceStore } from "../store/index.ts";
import type {
  ChatMessage,
  ChatMode,
  Passage,
  Platform,
  SamplingOptions,
  Trace,
  TracePassage,
} from "../types.ts";
import { assertConversationNamespace, newConversationId } from "./conversation-ids.ts";
import type { ChatEvent } from "./events.ts";
import { resolveSampling } from "./sampling.ts";

export interface PromptTemplates {
  system: string;
  homeworkRules: Record<HomeworkPolicy, string>;
  retrievalOnly: string;
  noPassages: string;
  crisis: string;
  offTopic: string;
  harmful: string;
  smallTalk: string;
}

export interface ChatDeps {
  retriever: Retriever;
  /** null when no model could be loaded: answers are then retrieval-only. */
  llm: LlmEngine | null;
  traces: TraceStore;
  conversations: ConversationStore;
  templates: PromptTemplates;
  course: { name: string; timeZone: string; homeworkPolicy: HomeworkPolicy };
  samplingDefaults: SamplingOptions;
  messageMaxChars: number;
  /** Calibrated relevance thresholds (see safety/rules.ts decideRelevance). */
  relevance: { offTopicBelow: number; notCoveredBelow: number };
  logger: Logger;
  now?: () => Date;
  /** Trace ids. Default: crypto.randomUUID. */
  newId?: () => string;
  /** Conversation ids the service issues. Default: 144 random bits (see newConversationId). */
  newConversationId?: () => string;
}

export interface ChatInput {
  message: string;
  conversationId?: string;
  platform: Platform;
  /** Platform user id (pseudonymized in the admin view). */
  userId?: string;
  sampling?: unknown;
  signal?: AbortSignal;
  /** Explicit history (OpenAI-style requests); when absent, the stored conversation is used. */
  history?: HistoryTurn[];
  /**
   * Plain inference for another TA instance using this one as its backend: these messages go to the
   * model as they are (no retrieval, no TA system prompt). Callers must have checked authorization.
   */
  rawMessages?: ChatMessage[];
}

export function validateMessage(message: unknown, maxChars: number): string {
  if (typeof message !== "string" || message.trim() === "") {
    throw new AppError("message must be a non-empty string", "invalid_message");
  }
  if ([...message].length > maxChars) {
    throw new AppError(`message is too long: at most ${maxChars} characters`, "message_too_long");
  }
  return message.trim();
}

function toTracePassages(passages: Passage[]): TracePassage[] {
  return passages.map((passage) => ({
    rank: passage.rank,
    score: passage.score,
    chunkId: passage.chunk.id,
    documentPath: passage.chunk.documentPath,
    title: passage.chunk.title,
    location: passage.chunk.location,
    link: passage.chunk.link,
    text: passage.chunk.text,
    retrievers: passage.retrievers,
  }));
}

function toHistory(turns: { role: "user" | "assistant"; content: string }[]): HistoryTurn[] {
  return turns.map((turn) => ({ role: turn.role, content: turn.content }));
}

let lastTraceMs = 0;

/**
 * Trace times strictly increase within a process: the admin list pages by time, and two answers
 * started in the same millisecond must not share a page boundary (one would be skipped).
 */
export function traceTimestamp(now: Date): string {
  lastTraceMs = Math.max(now.getTime(), lastTraceMs + 1);
  return new Date(lastTraceMs).toISOString();
}

export async function* runChat(input: ChatInput, deps: ChatDeps): AsyncGenerator<ChatEvent> {
  const now = deps.now ?? (() => new Date());
  const newId = deps.newId ?? (() => crypto.randomUUID());
  const message = validateMessage(input.message, deps.messageMaxChars);
  if (input.conversationId !== undefined) assertConversationNamespace(input.platform, input.conversationId);
  const sampling = resolveSampling(input.sampling, deps.samplingDefaults);
  const kind = input.rawMessages ? "question" : classifyMessage(message);

  const started = performance.now();
  const conversationId = input.conversationId ?? (deps.newConversationId ?? newConversationId)();
  const trace: Trace = {
    id: newId(),
    createdAt: traceTimestamp(now()),
    conversationId,
    platform: input.platform,
    userId: input.userId ?? "",
    question: message,
    answer: "",
    passages: [],
    prompt: "",
    sampling,
    model: deps.llm?.modelName ?? "none",
    usage: { promptTokens: 0, completionTokens: 0 },
    timings: { retrievalMs: 0, firstTokenMs: 0, totalMs: 0, tokensPerSecond: 0 },
    status: "running",
    mode: deps.llm ? "answer" : "retrieval-only",
  };
  const saveTrace = async (write: (trace: Trace) => Promise<void>) => {
    try {
      await write(trace);
    } catch (error) {
      // The student still gets the answer; the lost trace is logged for staff.
      deps.logger.error(`trace ${trace.id} could not be written: ${errorMessage(error)}`);
    }
  };
  // Admission comes before the trace and the first event, so a busy service refuses with nothing
  // written or sent (HTTP answers 503). Fixed replies (crisis first of all) need no model: no ticket.
  const ticket = deps.llm && kind === "question" ? admit(deps.llm, input.platform, deps.logger) : undefined;
  // Fixed and retrieval-only replies are complete; only generation can be cut by the token limit.
  let stopReason: StopReason = "stop";

  try {
    await saveTrace((value) => deps.traces.save(value));
    if (input.rawMessages) {
      if (!deps.llm) throw new AppError("no model is loaded on this inference server", "model_unavailable");
      yield { type: "retrieval", conversationId, traceId: trace.id, passages: [] };
      stopReason = yield* streamGeneration(
        deps.llm,
        { messages: input.rawMessages, sampling, signal: input.signal, ticket },
        trace,
      );
    } else if (kind !== "question") {
      // Deterministic replies: no retrieval, no model. A crisis reply must never wait in a queue.
      yield { type: "retrieval", conversationId, traceId: trace.id, passages: [] };
      trace.mode = FIXED_REPLY_MODES[kind];
      trace.answer = fillFixedReply(deps.templates[FIXED_REPLY_TEMPLATES[kind]], deps.course.name);
      yield { type: "text-delta", text: trace.answer };
    } else {
      const history = input.history ?? toHistory(await deps.conversations.history(conversationId));
      // A follow-up (「那地點在哪？」) is searched with the question it follows.
      const searchText = searchTextFor(message, history);
      const retrieval: RetrievalResult = await deps.retriever.retrieve(searchText);
      trace.passages = toTracePassages(retrieval.passages);
      trace.timings.retrievalMs = round(retrieval.retrievalMs);
      yield { type: "retrieval", conversationId, traceId: trace.id, passages: retrieval.passages };

      const decision = decideRelevance(searchText, retrieval.relevance, deps.relevance);
      if (decision.fallback) {
        ticket?.release(); // a fixed reply after all: let a waiting question have the place now
        const fallback = FALLBACK_REPLIES[decision.fallback];
        trace.mode = fallback.mode;
        trace.answer = fillFixedReply(deps.templates[fallback.template], deps.course.name);
        yield { type: "text-delta", text: trace.answer };
      } else if (!deps.llm) {
        trace.answer = renderRetrievalOnlyReply(deps.templates.retrievalOnly, retrieval.passages);
        yield { type: "text-delta", text: trace.answer };
      } else {
        stopReason = yield* generateAnswer(
          deps.llm,
          { message, history, retrieval, sampling, signal: input.signal, ticket },
          trace,
          deps,
          now,
        );
      }
    }

    trace.status = "ok";
    trace.timings.totalMs = round(performance.now() - started);
    if (trace.timings.firstTokenMs === 0) trace.timings.firstTokenMs = trace.timings.totalMs;
    await saveTrace((value) => deps.traces.save(value));
    if (input.history === undefined) {
      await deps.conversations
        .appendExchange(conversationId, {
          question: message,
          answer: trace.answer,
          traceId: trace.id,
          at: trace.createdAt,
        })
        .catch((error) =>
          deps.logger.error(`conversation ${conversationId} not saved: ${errorMessage(error)}`),
        );
    }
    yield {
      type: "done",
      traceId: trace.id,
      conversationId,
      mode: trace.mode as ChatMode,
      usage: trace.usage,
      timings: trace.timings,
      stopReason,
    };
  } catch (error) {
    const code = input.signal?.aborted ? "cancelled" : errorCode(error);
    trace.status = "failed";
    trace.error = { code, message: errorMessage(error) };
    trace.timings.totalMs = round(performance.now() - started);
    await saveTrace((value) => deps.traces.save(value));
    yield { type: "error", code, message: errorMessage(error), traceId: trace.id };
  } finally {
    // Unused (error before generation, fallback, client gone): the place goes back to the queue.
    ticket?.release();
    // Reached with status "running" only when the consumer stopped reading (client went away).
    if (trace.status === "running") {
      trace.status = "failed";
      trace.error = { code: "cancelled", message: "the client disconnected before the answer was complete" };
      trace.timings.totalMs = round(performance.now() - started);
      await saveTrace((value) => deps.traces.save(value));
    }
  }
}

async function* generateAnswer(
  llm: LlmEngine,
  request: {
    message: string;
    history: HistoryTurn[];
    retrieval: RetrievalResult;
    sampling: SamplingOptions;
    signal?: AbortSignal;
    ticket?: ModelTicket;
  },
  trace: Trace,
  deps: ChatDeps,
  now: () => Date,
): AsyncGenerator<ChatEvent, StopReason> {
  const systemPrompt = renderSystemPrompt(deps.templates.system, {
    courseName: deps.course.name,
    now: now(),
    timeZone: deps.course.timeZone,
    modelName: llm.modelName,
    homeworkPolicy: deps.course.homeworkPolicy,
    homeworkRules: deps.templates.homeworkRules,
  });
  const plan = planPrompt({
    systemPrompt,
    history: request.history,
    userTurn: buildUserTurn(request.message, formatPassages(request.retrieval.passages)),
    contextSize: llm.contextSize,
    maxAnswerTokens: request.sampling.maxTokens,
    countTokens: (text) => llm.countTokens(text),
  });
  const messages = fitRenderedPrompt(llm, plan.messages, request.sampling.maxTokens);
  return yield* streamGeneration(
    llm,
    { messages, sampling: request.sampling, signal: request.signal, ticket: request.ticket },
    trace,
  );
}

/**
 * The plan estimates the chat template's own tokens; the rendered prompt is the truth. While the
 * rendered prompt plus the longest answer overflows the context, the oldest history exchange goes,
 * so a template heavier than estimated costs history, never the answer's length.
 */
export function fitRenderedPrompt(
  llm: LlmEngine,
  planned: ChatMessage[],
  maxAnswerTokens: number,
): ChatMessage[] {
  let messages = planned;
  while (llm.renderPrompt(messages).tokens + maxAnswerTokens > llm.contextSize) {
    // [system, ...history, question]: the oldest history turn sits at 1, its answer (if any) at 2.
    if (messages.length <= 2) break;
    const dropCount = messages.length > 3 && messages[2]!.role === "assistant" ? 2 : 1;
    messages = [messages[0]!, ...messages.slice(1 + dropCount)];
  }
  return messages;
}

/** Takes the question's place with the model, or refuses it as busy (nothing written, nothing sent). */
function admit(llm: LlmEngine, platform: Platform, logger: Logger): ModelTicket {
  try {
    return llm.admit();
  } catch (error) {
    if (errorCode(error) !== "overloaded") throw error;
    logger.warn(`refused a ${platform} question as busy: ${errorMessage(error)}`);
    throw new AppError("the TA is busy answering other students: try again in a few seconds", "overloaded");
  }
}

/** Streams the model's answer into the trace; returns why generation ended. */
async function* streamGeneration(
  llm: LlmEngine,
  request: GenerateRequest,
  trace: Trace,
): AsyncGenerator<ChatEvent, StopReason> {
  const generationStarted = performance.now();
  const result = await llm.generate(request);
  trace.prompt = result.promptText;
  trace.usage.promptTokens = result.promptTokens;
  let firstTokenAt = 0;
  for await (const text of result.stream) {
    if (text === "") continue;
    if (firstTokenAt === 0) {
      firstTokenAt = performance.now();
      trace.timings.firstTokenMs = round(firstTokenAt - generationStarted + trace.timings.retrievalMs);
    }
    trace.answer += text;
    yield { type: "text-delta", text };
  }
  const completion = await result.completion;
  trace.usage.completionTokens = completion.completionTokens;
  trace.usage.promptTokens = result.promptTokens; // a remote backend reports its count at the end
  const decodeSeconds = (performance.now() - (firstTokenAt || generationStarted)) / 1000;
  trace.timings.tokensPerSecond =
    decodeSeconds > 0
      ? Math.round((Math.max(0, completion.completionTokens - 1) / decodeSeconds) * 10) / 10
      : 0;
  return completion.stopReason;
}

/** Replies when retrieval could not answer; a student showing distress gets the crisis support reply. */
const FALLBACK_REPLIES = {
  "refuse-off-topic": { mode: "refusal", template: "offTopic" },
  "say-not-covered": { mode: "not-covered", template: "noPassages" },
  support: { mode: "crisis", template: "crisis" },
} as const;

const FIXED_REPLY_MODES = { crisis: "crisis", harmful: "refusal", smalltalk: "smalltalk" } as const;
const FIXED_REPLY_TEMPLATES = { crisis: "crisis", harmful: "harmful", smalltalk: "smallTalk" } as const;

function fillFixedReply(template: string, courseName: string): string {
  return fillTemplate(template, { courseName }, { templateName: "fixed reply" });
}

function round(milliseconds: number): number {
  return Math.round(milliseconds * 10) / 10;
}
