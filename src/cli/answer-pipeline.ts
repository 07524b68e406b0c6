/** The composition `npm run eval -- answers` runs: the service's answering pipeline without HTTP or bots. */
import { createHash } from "node:crypto";
import { type ChatService, prepareChat } from "../chat/index.ts";
import type { Config } from "../config.ts";
import {
  chatDepsFor,
  createCorpusRetriever,
  createEmbedder,
  createLlmEngine,
  createReranker,
  ingestConfiguredCorpus,
  loadPromptTemplates,
  loadStaffGlossary,
  openCorpus,
  type ProgressReporter,
  silentProgress,
} from "../deps.ts";
import type { Logger } from "../log.ts";
import { ConversationStore, EvalRunStore, TraceStore } from "../store/index.ts";

/** The service's own answering pipeline, its stores, and what identifies a run's setup. */
export interface AnswerEvaluationPipeline {
  chat: ChatService;
  traces: TraceStore;
  evalRuns: EvalRunStore;
  modelName: string;
  corpusVersion: number;
  /** sha256 (first 12 hex digits) of every prompt template, so runs show when prompts changed. */
  promptHash: string;
  /** Set when no model could be loaded (answers are then retrieval-only). */
  problem?: string;
  close(): Promise<void>;
}

export async function openAnswerEvaluation(
  config: Config,
  logger: Logger,
  progress: (label: string) => ProgressReporter = silentProgress,
): Promise<AnswerEvaluationPipeline> {
  const templates = await loadPromptTemplates(config.promptsDir);
  const corpus = await openCorpus(config);
  const embedder = await createEmbedder(config, logger);
  if (config.ingestOnStart) await ingestConfiguredCorpus(config, corpus, embedder);
  const traces = await TraceStore.open(corpus.database, { logger });
  const conversations = await ConversationStore.open(corpus.database, { logger });
  const evalRuns = await EvalRunStore.open(corpus.database);
  const { engine, problem } = await createLlmEngine(config, logger, progress);
  const retriever = createCorpusRetriever(config, corpus, embedder, logger, {
    glossary: await loadStaffGlossary(config),
    countTokens: engine ? (text) => engine.countTokens(text) : undefined,
    reranker: await createReranker(config, logger),
  });
  const chatDeps = chatDepsFor(config, { retriever, llm: engine, traces, conversations, templates, logger });
  return {
    chat: (input) => prepareChat(input, chatDeps),
    traces,
    evalRuns,
    modelName: engine?.modelName ?? "none (retrieval-only)",
    corpusVersion: await corpus.chunks.version(),
    promptHash: createHash("sha256").update(JSON.stringify(templates)).digest("hex").slice(0, 12),
    problem,
    async close() {
      await engine?.close();
      await traces.close();
      await conversations.close();
    },
  };
}
