/**
 * The chat pipeline: prepareChat validates and admits a question (throwing at once when it can't be
 * answered), then its events() stream is the answer: retrieval, prompt, generation and the trace all
 * happen here; platforms (HTTP, bots) only translate events. One error channel each: the call throws,
 * the stream never does.
 */
import { AppError, errorCode, errorMessage } from "../errors.ts";
import type { LlmEngine, ModelTicket, StopReason } from "../llm/index.ts";
import type { Logger } from "../log.ts";
import {
  buildUserTurn,
  fillTemplate,
  formatCourseDate,
  formatPassages,
  type HistoryTurn,
  type HomeworkPolicy,
  planPrompt,
  renderRetrievalOnlyReply,
  renderSystemPrompt,
  renderVerifiedReply,
  withVerifiedPassage,
} from "../prompt/index.ts";
import { type RetrievalResult, type Retriever, searchTextFor } from "../retrieve/index.ts";

import {
  decideReply,
  type FirstDecision,
  type RelevanceThresholds,
  type ReplyDecision,
} from "../safety/reply-decision.ts";
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
import type { TraceClock } from "./clock.ts";
import { assertConversationNamespace, newConversationId } from "./conversation-ids.ts";
import type { ChatEvent } from "./events.ts";
import { fitRenderedPrompt, roundMs, streamGeneration } from "./generation.ts";
import { resolveSampling } from "./sampling.ts";
import { served, type VerifiedAnswers, type VerifiedHit } from "./verified.ts";

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
  /** Calibrated relevance thresholds (see safety/reply-decision.ts). */
  relevance: RelevanceThresholds;
  logger: Logger;
  /** Today's date for the prompt and strictly increasing trace times; one per service. */
  clock: TraceClock;
  /** Trace ids. Default: crypto.randomUUID. */
  newId?: () => string;
  /** Conversation ids the service issues. Default: 144 random bits (see newConversationId). */
  newConversationId?: () => string;
  /** Verified answers staff wrote (retrieve/verified-index.ts). Default: none. */
  verified?: VerifiedAnswers;
  /**
   * Told about every completed answer, after the trace is saved and before `done` is sent (staff
   * alerts). Must return at once: it may not delay the reply. Default: none.
   */
  onAnswered?(trace: Trace): void;
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

/**
 * A chat accepted for answering. `events()` streams the answer and never throws: every failure from
 * here on is an `error` event (and a failed trace). Call it exactly once; it gives the model's place back.
 */
export interface PreparedChat {
  readonly conversationId: string;
  readonly traceId: string;
  events(): AsyncGenerator<ChatEvent>;
}

/** prepareChat bound to a service's retriever, model and stores: what bots and routes call. */
export type ChatService = (input: ChatInput) => PreparedChat;

/**
 * Validates and admits a question, synchronously: bad input, a conversation id of another namespace
 * and a busy model throw AppError here (HTTP answers 400 / 503 before any byte), with nothing
 * written. Everything after that arrives through `events()`.
 */
export function prepareChat(input: ChatInput, deps: ChatDeps): PreparedChat {
  const message = validateMessage(input.message, deps.messageMaxChars);
  const sampling = resolveSampling(input.sampling, deps.samplingDefaults);
  if (input.conversationId !== undefined) assertConversationNamespace(input.platform, input.conversationId);
  const firstDecision: FirstDecision = input.rawMessages ? "retrieve" : decideReply(message);
  // A question a verified answer serves needs no model (and must not be refused as busy).
  const verifiedHit =
    firstDecision === "retrieve" && !input.rawMessages && input.history === undefined
      ? served(deps.verified?.matchLoaded(message))
      : undefined;
  // Admission comes before the trace and the first event, so a busy service refuses with nothing
  // written or sent. Fixed replies (crisis first of all) need no model: no ticket.
  const ticket =
    deps.llm && firstDecision === "retrieve" && !verifiedHit
      ? admit(deps.llm, input.platform, deps.logger)
      : undefined;
  const conversationId = input.conversationId ?? (deps.newConversationId ?? newConversationId)();
  const trace: Trace = {
    id: (deps.newId ?? (() => crypto.randomUUID()))(),
    createdAt: deps.clock.traceTimestamp(),
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
  let started = false;
  return {
    conversationId,
    traceId: trace.id,
    events() {
      if (started) throw new Error("events() of a prepared chat can be read once");
      started = true;
      return answerChat({ input, message, sampling, firstDecision, ticket, trace, verifiedHit }, deps);
    },
  };
}

interface AcceptedChat {
  input: ChatInput;
  message: string;
  sampling: SamplingOptions;
  firstDecision: FirstDecision;
  ticket: ModelTicket | undefined;
  trace: Trace;
  /** Matched (full-text) before admission: served without the model. */
  verifiedHit: VerifiedHit | undefined;
}

async function* answerChat(chat: AcceptedChat, deps: ChatDeps): AsyncGenerator<ChatEvent> {
  const { input, message, sampling, ticket, trace } = chat;
  const conversationId = trace.conversationId;
  const started = performance.now();
  const saveTrace = async (write: (trace: Trace) => Promise<void>) => {
    try {
      await write(trace);
    } catch (error) {
      // The student still gets the answer; the lost trace is logged for staff.
      deps.logger.error(`trace ${trace.id} could not be written: ${errorMessage(error)}`);
    }
  };
  // Fixed and retrieval-only replies are complete; only generation can be cut by the token limit.
  let stopReason: StopReason = "stop";

  try {
    await saveTrace((value) => deps.traces.save(value));
    // Explicit history (OpenAI-style clients) is a conversation of its own: no verified shortcut there.
    const verified =
      !input.rawMessages && chat.firstDecision === "retrieve" && input.history === undefined
        ? (chat.verifiedHit ?? (await deps.verified?.match(message)))
        : undefined;
    if (input.rawMessages) {
      if (!deps.llm) throw new AppError("no model is loaded on this inference server", "model_unavailable");
      yield { type: "retrieval", conversationId, traceId: trace.id, passages: [] };
      stopReason = yield* streamGeneration(
        deps.llm,
        { messages: input.rawMessages, sampling, signal: input.signal, ticket },
        trace,
      );
    } else if (chat.firstDecision !== "retrieve") {
      // Deterministic replies: no retrieval, no model. A crisis reply must never wait in a queue.
      yield { type: "retrieval", conversationId, traceId: trace.id, passages: [] };
      const fixed = FIXED_REPLIES[chat.firstDecision];
      trace.mode = fixed.mode;
      trace.answer = fillFixedReply(deps.templates[fixed.template], deps.course.name);
      yield { type: "text-delta", text: trace.answer };
    } else if (verified?.match.decision === "serve") {
      ticket?.release(); // served without the model: a waiting question may have the place
      const passages = withVerifiedPassage([], verified.answer, verified.match.score, deps.course.timeZone);
      trace.mode = "verified";
      trace.passages = toTracePassages(passages);
      yield { type: "retrieval", conversationId, traceId: trace.id, passages };
      trace.answer = renderVerifiedReply(verified.answer, deps.course.timeZone);
      yield { type: "text-delta", text: trace.answer };
      await deps.verified
        ?.recordServed(verified.answer.id, trace.id)
        .catch((error) => deps.logger.error(`verified answer use not recorded: ${errorMessage(error)}`));
    } else {
      const history = input.history ?? toHistory(await deps.conversations.history(conversationId));
      // A follow-up (「那地點在哪？」) is searched with the question it follows.
      const searchText = searchTextFor(message, history);
      const retrieval: RetrievalResult = await deps.retriever.retrieve(searchText);
      if (verified) {
        // Close but not a match: the model gets it as a passage it may cite.
        retrieval.passages = withVerifiedPassage(
          retrieval.passages,
          verified.answer,
          verified.match.score,
          deps.course.timeZone,
        );
      }
      trace.passages = toTracePassages(retrieval.passages);
      trace.timings.retrievalMs = roundMs(retrieval.retrievalMs);
      yield { type: "retrieval", conversationId, traceId: trace.id, passages: retrieval.passages };

      const decided = decideReply(message, { searchText, relevance: retrieval.relevance }, deps.relevance);
      // Staff answered something close: the question is covered after all.
      const decision = verified && decided === "say-not-covered" ? "answer" : decided;
      if (decision !== "answer") {
        ticket?.release(); // a fixed reply after all: let a waiting question have the place now
        const fixed = FIXED_REPLIES[decision];
        trace.mode = fixed.mode;
        trace.answer = fillFixedReply(deps.templates[fixed.template], deps.course.name);
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
        );
      }
    }

    trace.status = "ok";
    trace.timings.totalMs = roundMs(performance.now() - started);
    if (trace.timings.firstTokenMs === 0) trace.timings.firstTokenMs = trace.timings.totalMs;
    await saveTrace((value) => deps.traces.save(value));
    try {
      deps.onAnswered?.(trace);
    } catch (error) {
      deps.logger.error(`after-answer hook failed for trace ${trace.id}: ${errorMessage(error)}`);
    }
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
    // The underlying reason (e.g. why the store did not answer) is for staff, not for the client.
    if (error instanceof AppError && error.cause !== undefined)
      deps.logger.error(
        `trace ${trace.id}: ${errorMessage(error)} (${errorMessage(error.cause).split("\n")[0]!.slice(0, 300)})`,
      );
    trace.status = "failed";
    trace.error = { code, message: errorMessage(error) };
    trace.timings.totalMs = roundMs(performance.now() - started);
    await saveTrace((value) => deps.traces.save(value));
    yield { type: "error", code, message: errorMessage(error), traceId: trace.id };
  } finally {
    // Unused (error before generation, fallback, client gone): the place goes back to the queue.
    ticket?.release();
    // Reached with status "running" only when the consumer stopped reading (client went away).
    if (trace.status === "running") {
      trace.status = "failed";
      trace.error = { code: "cancelled", message: "the client disconnected before the answer was complete" };
      trace.timings.totalMs = roundMs(performance.now() - started);
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
): AsyncGenerator<ChatEvent, StopReason> {
  const now = deps.clock.now();
  const systemPrompt = renderSystemPrompt(deps.templates.system, {
    courseName: deps.course.name,
    now,
    timeZone: deps.course.timeZone,
    modelName: llm.modelName,
    homeworkPolicy: deps.course.homeworkPolicy,
    homeworkRules: deps.templates.homeworkRules,
  });
  const timeOfDay = formatCourseDate(now, deps.course.timeZone).time;
  const fitWith = (passages: Passage[]) => {
    const plan = planPrompt({
      systemPrompt,
      history: request.history,
      // The time of day goes with the question: the system prompt changes only once a day.
      userTurn: buildUserTurn(request.message, formatPassages(passages), timeOfDay),
      contextSize: llm.contextSize,
      maxAnswerTokens: request.sampling.maxTokens,
      countTokens: (text) => llm.countTokens(text),
    });
    return fitRenderedPrompt(llm, plan.messages, request.sampling.maxTokens);
  };
  // History goes first; when the question and its passages alone overflow the context, the
  // lowest-ranked passages go too (the trace's prompt shows exactly which ones the model saw).
  const passages = request.retrieval.passages;
  let messages: ChatMessage[] | undefined;
  for (let kept = passages.length; messages === undefined; kept--) {
    try {
      const fitted = fitWith(passages.slice(0, kept));
      if (kept <= 1 || fitsContext(llm, fitted, request.sampling)) messages = fitted;
    } catch (error) {
      if (errorCode(error) !== "bad_request" || kept <= 1) throw error; // the question alone is too long
    }
  }
  return yield* streamGeneration(
    llm,
    { messages, sampling: request.sampling, signal: request.signal, ticket: request.ticket },
    trace,
  );
}

function fitsContext(llm: LlmEngine, messages: ChatMessage[], sampling: SamplingOptions): boolean {
  return llm.renderPrompt(messages).tokens + sampling.maxTokens <= llm.contextSize;
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

/** The fixed reply of every decision but "answer"; a student showing distress gets the crisis support reply. */
const FIXED_REPLIES = {
  crisis: { mode: "crisis", template: "crisis" },
  harmful: { mode: "refusal", template: "harmful" },
  smalltalk: { mode: "smalltalk", template: "smallTalk" },
  "refuse-off-topic": { mode: "refusal", template: "offTopic" },
  "say-not-covered": { mode: "not-covered", template: "noPassages" },
  support: { mode: "crisis", template: "crisis" },
} as const satisfies Record<
  Exclude<ReplyDecision, "answer">,
  { mode: ChatMode; template: keyof PromptTemplates }
>;

function fillFixedReply(template: string, courseName: string): string {
  return fillTemplate(template, { courseName }, { templateName: "fixed reply" });
}
