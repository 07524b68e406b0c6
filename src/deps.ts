/** Composition root: turns a Config into the concrete store, embedder, retriever (and model). */
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Hono } from "hono";
import { defaultArchiveDir } from "./admin/corpus-files.ts";
import { startTraceRetention } from "./admin/retention.ts";
import { adminLoginLink, createAdminServices } from "./admin/wiring.ts";
import { startBots } from "./bots/index.ts";
import {
  type ChatDeps,
  type ChatService,
  createTraceClock,
  type PromptTemplates,
  prepareChat,
} from "./chat/index.ts";
import type { Config } from "./config.ts";
import { type Embedder, loadEmbedder, loadReranker, type Reranker } from "./embed/index.ts";
import { AppError, errorCode, errorMessage } from "./errors.ts";
import { createHttpApp, type HttpServices } from "./http/app.ts";
import type { Readiness } from "./http/services.ts";
import type { ChunkOptions } from "./ingest/chunker.ts";
import { type IngestSummary, ingestCorpus, rollbackCorpus } from "./ingest/ingest.ts";
import { SUPPORTED_EXTENSIONS } from "./ingest/loaders/index.ts";
import { startSourceSchedule } from "./ingest/sources/schedule.ts";
import { appendSource, readSourceList } from "./ingest/sources/source-list.ts";
import { SourceSync } from "./ingest/sources/sync.ts";
import { createOpenAiEngine, type LlmEngine, loadLlmEngine } from "./llm/index.ts";
import { createLogger, type Logger } from "./log.ts";
import { PROMPT_TEMPLATE_FILES } from "./prompt/index.ts";
import { pseudonymFor, pseudonymizeIdentifiers } from "./pseudonym.ts";
import { approximateTokenCount, firstPassageCharsFor, fitPassagesToBudget } from "./retrieve/context.ts";
import { createRetriever, type Retriever } from "./retrieve/index.ts";
import { VerifiedIndex } from "./retrieve/verified-index.ts";
import type { HandoffDesk, StaffReplyCourier } from "./staff/handoff-desk.ts";
import { createStaffLoop } from "./staff/wiring.ts";
import { EvalRunStore } from "./store/eval-runs.ts";
import { HandoffStore } from "./store/handoffs.ts";
import {
  ChunkStore,
  ConversationStore,
  type Database,
  IngestLog,
  openDatabase,
  SourceStateStore,
  TraceStore,
} from "./store/index.ts";
import { VerifiedAnswerStore } from "./store/verified-answers.ts";
import { EMPTY_GLOSSARY, type Glossary, parseGlossary } from "./text/glossary.ts";

export interface Corpus {
  database: Database;
  chunks: ChunkStore;
  log: IngestLog;
  /** The web sources (CORPUS_SOURCES), when configured. */
  sources?: SourceSync;
}

/** What identifies the service to the sites it reads. */
const STORE_PROBE_TIMEOUT_MS = 3000;
const SOURCES_USER_AGENT = "course-ai-ta/0.1 (course material sync; +https://github.com/)";

/** The service logger: masks every configured secret. `write` replaces stderr (tests collect lines). */
/** Used when neither PSEUDONYM_SECRET nor ADMIN_TOKEN is set: pseudonyms hold for this process. */
const PROCESS_PSEUDONYM_KEY = randomBytes(32).toString("base64url");

/** The key for student pseudonyms, the same for the admin page and the logs. */
export function pseudonymKeyOf(config: Config): string {
  return config.admin.pseudonymSecret ?? config.adminToken ?? PROCESS_PSEUDONYM_KEY;
}

export function createAppLogger(config: Config, write?: (line: string) => void): Logger {
  const pseudonymKey = pseudonymKeyOf(config);
  return createLogger({
    level: config.logLevel,
    write,
    // Student ids never reach a log: conversation ids and LINE ids appear as their pseudonyms.
    redact: (message) => pseudonymizeIdentifiers(pseudonymKey, message),
    secrets: [
      config.adminToken,
      config.relaySecret,
      config.llm.remote.apiKey,
      config.inferenceToken,
      config.discord.token,
      config.line.channelSecret,
      config.line.channelAccessToken,
      config.admin.pseudonymSecret,
      config.objectStore.secretAccessKey,
      config.objectStore.sessionToken,
      config.staff.alertWebhookUrl,
      config.judge.apiKey,
    ],
  });
}

export async function openCorpus(config: Config): Promise<Corpus> {
  const database = await openDatabase(config.dataDir, {
    refreshSeconds: config.storeRefreshSeconds,
    objectStore: config.objectStore,
  });
  const corpus: Corpus = {
    database,
    chunks: await ChunkStore.open(database),
    log: await IngestLog.open(database),
  };
  const sources = config.sources;
  const file = sources.file;
  if (file) {
    corpus.sources = new SourceSync({
      entries: () => readSourceList(file, sources.defaultEveryMs),
      store: await SourceStateStore.open(database),
      fetch: {
        timeoutMs: sources.timeoutMs,
        maxBytes: sources.maxBytes,
        userAgent: SOURCES_USER_AGENT,
        allowPrivate: sources.allowPrivate,
      },
      missLimit: sources.missLimit,
    });
  }
  return corpus;
}

/**
 * Rolls the corpus back to `version` and the verified answers to how they were when that version was
 * made (the ingest log's time for it), so a rollback restores what staff had approved then too.
 */
export async function rollbackCorpusAndVerified(
  corpus: Corpus,
  verified: VerifiedAnswerStore,
  version: number,
): Promise<number> {
  const madeAt = (await corpus.log.list()).find((entry) => entry.version === version)?.at;
  const restored = await rollbackCorpus(corpus.chunks, corpus.log, version);
  if (madeAt) await verified.restoreAsOf(madeAt);
  return restored;
}

/** The chat pipeline's dependencies as configured: the service and the answer evaluation share them. */
export function chatDepsFor(
  config: Config,
  parts: Pick<ChatDeps, "retriever" | "llm" | "traces" | "conversations" | "templates" | "logger">,
): ChatDeps {
  return {
    ...parts,
    course: config.course,
    samplingDefaults: config.sampling,
    messageMaxChars: config.limits.messageMaxChars,
    relevance: config.relevance,
    clock: createTraceClock(),
  };
}

export async function createEmbedder(config: Config, logger: Logger): Promise<Embedder | null> {
  const embedder = await loadEmbedder({
    model: config.embedModel,
    modelsDir: config.modelsDir,
    onWarning: (message) => logger.warn(message),
  });
  return embedder;
}

/** RERANK_MODEL, or null (after one warning when it was set but cannot be loaded). */
export async function createReranker(config: Config, logger: Logger): Promise<Reranker | null> {
  return loadReranker({
    model: config.rerank.model,
    modelsDir: config.modelsDir,
    maxTokens: config.rerank.maxTokens,
    onWarning: (message) => logger.warn(message),
  });
}

/**
 * The staff glossary (GLOSSARY_FILE): none when the default `<CORPUS_DIR>/glossary.yaml` is absent,
 * an error when a file set explicitly is missing or malformed.
 */
export async function loadStaffGlossary(config: Config): Promise<Glossary> {
  const path = config.retrieval.glossaryFile;
  if (!path) return EMPTY_GLOSSARY;
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (!config.retrieval.glossaryFileRequired) return EMPTY_GLOSSARY;
    throw new AppError(
      `GLOSSARY_FILE=${path} cannot be read (${errorMessage(error)}): fix the path or set GLOSSARY_FILE=none`,
      "config_invalid",
    );
  }
  return parseGlossary(text, `GLOSSARY_FILE ${path}`);
}

export interface CorpusRetrieverExtras {
  /** Staff glossary (loadStaffGlossary). Default none. */
  glossary?: Glossary;
  /**
   * The chat model's token counter: with RETRIEVAL_CONTEXT_TOKENS > 0 the passages are fitted to
   * that budget with it. Default approximateTokenCount.
   */
  countTokens?: (text: string) => number;
  /** The cross-encoder stage (createReranker). Default none: the fused order. */
  reranker?: Reranker | null;
}

export function createCorpusRetriever(
  config: Config,
  corpus: Corpus,
  embedder: Embedder | null,
  logger: Logger,
  extras: CorpusRetrieverExtras = {},
): Retriever {
  const budgetTokens = config.retrieval.contextTokens;
  const countTokens = extras.countTokens ?? approximateTokenCount;
  return createRetriever({
    chunks: corpus.chunks,
    embedder,
    topK: config.retrieval.topK,
    candidates: config.retrieval.candidates,
    passageChars: config.retrieval.passageChars,
    firstPassageChars: firstPassageCharsFor(
      config.retrieval.firstPassageChars,
      config.retrieval.passageChars,
      budgetTokens,
    ),
    reranker: extras.reranker ?? null,
    rerankCandidates: config.rerank.candidates,
    glossary: extras.glossary,
    fitContext:
      budgetTokens > 0
        ? (passages) => fitPassagesToBudget(passages, { budgetTokens, countTokens })
        : undefined,
    onWarning: (message) => logger.warn(message),
  });
}

export async function ingestConfiguredCorpus(
  config: Config,
  corpus: Corpus,
  embedder: Embedder | null,
  onProgress?: (done: number, total: number) => void,
  /** Which web sources to check: `all` (npm run ingest, "sync now") or the `due` ones. Default `due`. */
  sourceMode: "all" | "due" = "due",
): Promise<IngestSummary> {
  return ingestCorpus({
    sources: corpus.sources,
    sourceMode,
    corpusDir: config.corpusDir,
    chunks: corpus.chunks,
    log: corpus.log,
    embedder,
    unavailableEmbedModel: !embedder && config.embedModel !== "none" ? config.embedModel : undefined,
    chunkOptions: chunkOptionsFrom(config),
    onProgress,
  });
}

/** CHUNK_SIZE and CHUNK_OVERLAP as the chunker takes them; the hard cap sits 40% above the target. */
export function chunkOptionsFrom(config: Config): ChunkOptions {
  return {
    targetChars: config.chunk.targetChars,
    maxChars: Math.round(config.chunk.targetChars * 1.4),
    overlapChars: config.chunk.overlapChars,
  };
}

export async function loadPromptTemplates(promptsDir: string): Promise<PromptTemplates> {
  const read = async (name: string) => {
    const path = join(promptsDir, name);
    try {
      return await readFile(path, "utf8");
    } catch {
      throw new AppError(
        `prompt template ${path} is missing: restore it from git or set PROMPTS_DIR`,
        "config_invalid",
      );
    }
  };
  return {
    system: await read(PROMPT_TEMPLATE_FILES.system),
    homeworkRules: {
      hints: await read(PROMPT_TEMPLATE_FILES.homeworkHints),
      full: await read(PROMPT_TEMPLATE_FILES.homeworkFull),
    },
    retrievalOnly: await read(PROMPT_TEMPLATE_FILES.retrievalOnly),
    noPassages: await read(PROMPT_TEMPLATE_FILES.noPassages),
    crisis: await read(PROMPT_TEMPLATE_FILES.crisis),
    offTopic: await read(PROMPT_TEMPLATE_FILES.offTopic),
    harmful: await read(PROMPT_TEMPLATE_FILES.harmful),
    smallTalk: await read(PROMPT_TEMPLATE_FILES.smallTalk),
  };
}

/** Shows a long task's progress (the CLI passes a terminal progress bar). */
export interface ProgressReporter {
  update(done: number, total: number): void;
  stop(): void;
}

/** Reports nothing: tests, and callers that show no progress. */
export const silentProgress = (): ProgressReporter => ({ update() {}, stop() {} });

/** Loads the chat model, or returns the reason it could not (the service then runs retrieval-only). */
export async function createLlmEngine(
  config: Config,
  logger: Logger,
  progress: (label: string) => ProgressReporter = silentProgress,
): Promise<{ engine: LlmEngine | null; problem?: string }> {
  if (config.llm.backend === "openai") {
    const engine = createOpenAiEngine({
      baseUrl: config.llm.remote.baseUrl,
      apiKey: config.llm.remote.apiKey,
      model: config.llm.remote.model,
      contextSize: config.llm.contextSize,
      parallel: config.llm.parallel,
      queueMax: config.llm.queueMax,
      requestTimeoutMs: config.llm.timeoutMs,
    });
    logger.info(
      `answers come from the OpenAI-compatible server at ${config.llm.remote.baseUrl} (${config.llm.remote.model})`,
    );
    return { engine };
  }
  if (config.model === "none") return { engine: null, problem: "MODEL=none: answers are retrieval-only" };
  const bar = progress("downloading model");
  try {
    const engine = await loadLlmEngine({
      modelPath: config.model,
      modelsDir: config.modelsDir,
      gpu: config.llm.gpu,
      threads: config.llm.threads,
      contextSize: config.llm.contextSize,
      parallel: config.llm.parallel,
      queueMax: config.llm.queueMax,
      requestTimeoutMs: config.llm.timeoutMs,
      prefixReuse: config.llm.prefixReuse,
      onModelChoice: (message) => logger.info(message),
      onProgress: (fraction) => bar.update(Math.round(fraction * 100), 100),
    });
    return { engine };
  } catch (error) {
    const problem = `model ${config.model} could not be loaded: ${errorMessage(error)}`;
    logger.error(problem);
    return { engine: null, problem };
  } finally {
    bar.stop();
  }
}

export interface Service {
  app: Hono;
  /** prepareChat bound to this service's retriever, model and stores: what bots and routes call. */
  chat: ChatService;
  traces: TraceStore;
  conversations: ConversationStore;
  /** Stored answer-quality runs (the admin Quality page reads them). */
  evalRuns: EvalRunStore;
  /** Set webhook handlers after bots are created (the app reads them per request). */
  webhooks: NonNullable<HttpServices["webhooks"]>;
  config: Config;
  logger: Logger;
  adminToken: string;
  adminTokenGenerated: boolean;
  /** A one-time admin login link (valid once, 15 minutes): print it at start when the token was generated. */
  adminLoginLink(baseUrl: string): string;
  ingest: IngestSummary;
  /** The hand-off queue; bots started outside createService pass it on and fill in `staffCouriers`. */
  handoffs: HandoffDesk;
  staffCouriers: { line?: StaffReplyCourier; discord?: StaffReplyCourier };
  close(): Promise<void>;
}

/** INGEST_ON_START=false: this replica serves the corpus another process ingests. */
async function skippedIngest(corpus: Corpus): Promise<IngestSummary> {
  const documents = await corpus.chunks.listDocuments();
  return {
    added: [],
    updated: [],
    unchanged: documents.map((document) => document.documentPath),
    removed: [],
    failed: [],
    chunksWritten: 0,
    version: await corpus.chunks.version(),
    rebuilt: false,
    durationMs: 0,
  };
}

export interface ServiceOptions {
  /** Start the Discord and LINE bots when configured. `npm run chat` turns them off. Default true. */
  bots?: boolean;
  /** Shows model downloads (the CLI passes a terminal progress bar). Default: silent. */
  progress?: (label: string) => ProgressReporter;
}

/** Everything `npm start` runs, minus the listening socket (tests call this too). */
export async function createService(
  config: Config,
  logger: Logger = createAppLogger(config),
  options: ServiceOptions = {},
): Promise<Service> {
  const adminToken = config.adminToken ?? randomBytes(24).toString("base64url");
  const log = logger;
  const templates = await loadPromptTemplates(config.promptsDir);
  const corpus = await openCorpus(config);
  const embedder = await createEmbedder(config, log);
  const ingest = config.ingestOnStart
    ? await ingestConfiguredCorpus(config, corpus, embedder).catch(async (error) => {
        // The embedding model is missing this time: serve the corpus as it is instead of rebuilding it.
        if (errorCode(error) !== "model_unavailable") throw error;
        log.warn(`corpus not re-ingested at start: ${errorMessage(error)}`);
        return skippedIngest(corpus);
      })
    : await skippedIngest(corpus);
  for (const failure of ingest.failed) log.warn(`corpus file ${failure.path} was skipped: ${failure.reason}`);
  const traces = await TraceStore.open(corpus.database, {
    onWriteError: (error, ids, kept) =>
      log.error(
        `trace(s) ${ids.join(", ")} could not be written: ${errorMessage(error)}${kept ? " (kept; written when the store answers again)" : ""}`,
      ),
    logger: log,
  });
  const conversations = await ConversationStore.open(corpus.database, { logger: log });
  const verifiedAnswers = await VerifiedAnswerStore.open(corpus.database);
  const handoffStore = await HandoffStore.open(corpus.database);
  const interrupted = await traces.failInterrupted("the service stopped before this answer was complete");
  if (interrupted > 0) log.warn(`${interrupted} unfinished trace(s) from an earlier run marked failed`);
  const glossary = await loadStaffGlossary(config);
  const { engine, problem } = await createLlmEngine(config, log, options.progress);
  const retriever = createCorpusRetriever(config, corpus, embedder, log, {
    glossary,
    countTokens: engine ? (text) => engine.countTokens(text) : undefined,
    reranker: await createReranker(config, log),
  });
  if (!engine) log.warn(`RUNNING WITHOUT A MODEL — answers are retrieval-only. ${problem ?? ""}`);
  const verifiedIndex = new VerifiedIndex({
    store: verifiedAnswers,
    embedder,
    thresholds: config.verified,
    glossary,
  });
  await verifiedIndex.refresh(true);
  const staffLoop = createStaffLoop({
    staff: config.staff,
    timeZone: config.course.timeZone,
    logger: log,
    pseudonymOf: (platform, userId) => pseudonymFor(pseudonymKeyOf(config), platform, userId),
    handoffs: handoffStore,
    verified: verifiedAnswers,
    verifiedChanged: () => verifiedIndex.refresh(true),
    conversations,
    traces,
  });
  const { desk, couriers } = staffLoop;

  const chatDeps: ChatDeps = {
    ...chatDepsFor(config, { retriever, llm: engine, traces, conversations, templates, logger: log }),
    verified: verifiedIndex,
    onAnswered: staffLoop.onAnswered,
  };

  const reasons = [problem, embedder ? undefined : "no embedding model: full-text retrieval only"].filter(
    (reason): reason is string => !!reason,
  );
  // At most one store read per second, however often the load balancer asks; a store that hangs
  // counts as away after STORE_PROBE_TIMEOUT_MS.
  let storeCheck: { at: number; readiness: Promise<Readiness> } | undefined;
  const readinessNow = (): Promise<Readiness> => {
    if (storeCheck && Date.now() - storeCheck.at < 1000) return storeCheck.readiness;
    const serving = {
      reasons,
      model: engine?.modelName ?? "none",
      retrieval: retriever.mode,
    } as const;
    const readiness = corpus.chunks.probe(STORE_PROBE_TIMEOUT_MS).then(
      (): Readiness => ({ status: engine ? "ok" : "degraded", ...serving, store: "ok" }),
      (error: unknown): Readiness => {
        log.warn(`readiness: ${errorMessage(error)}`);
        return {
          status: "unavailable",
          ...serving,
          reasons: [...reasons, "the data store is unavailable"],
          store: "unavailable",
        };
      },
    );
    storeCheck = { at: Date.now(), readiness };
    return readiness;
  };
  const chat: ChatService = (input) => prepareChat(input, chatDeps);
  const webhooks: NonNullable<HttpServices["webhooks"]> = {};
  const evalRuns = await EvalRunStore.open(corpus.database);
  const adminServices = createAdminServices({
    adminToken,
    pseudonymSecret: pseudonymKeyOf(config),
    sessionLifetimeMs: config.admin.sessionHours * 3_600_000,
    weakRetrieval: {
      fulltext: config.admin.weakRetrievalScore,
      vector: config.admin.weakRetrievalSimilarity,
    },
    timeZone: config.course.timeZone,
    samplingDefaults: config.sampling,
    model: engine,
    corpus: {
      corpusDir: config.corpusDir,
      maxUploadBytes: config.admin.uploadMaxBytes,
      archiveDir: defaultArchiveDir(config.corpusDir, config.dataDir),
      chunks: corpus.chunks,
      log: corpus.log,
      supportedExtensions: SUPPORTED_EXTENSIONS,
      ingest: (sourceMode) => ingestConfiguredCorpus(config, corpus, embedder, undefined, sourceMode),
      sources: corpus.sources && {
        status: () => corpus.sources!.status(),
        add: (addition) => appendSource(config.sources.file!, config.sources.defaultEveryMs, addition),
      },
      rollback: (version) => rollbackCorpusAndVerified(corpus, verifiedAnswers, version),
      retrieve: (question) => retriever.retrieve(question),
      changesRefused: config.ingestOnStart
        ? undefined
        : "this replica serves the corpus another process ingests (INGEST_ON_START=false): upload, delete, re-ingest and roll back on the ingesting replica",
    },
  });
  const admin = { ...adminServices, evalRuns };
  // Each web source is re-checked on its own schedule (its `every`), by the one ingesting replica.
  const stopSourceSchedule =
    corpus.sources && config.ingestOnStart
      ? startSourceSchedule({
          msUntilNextDue: () => corpus.sources!.msUntilNextDue(),
          syncDue: async () => {
            const change = await admin.corpus!.syncSources("due");
            if (change.summary.includes("nothing changed") && change.warnings.length === 0) return;
            log.info(change.summary);
            for (const warning of change.warnings) log.warn(`web source: ${warning}`);
          },
          onError: (error) => log.warn(`web source sync failed: ${errorMessage(error)}`),
        })
      : undefined;
  const stopTraceRetention = startTraceRetention({
    traces,
    logger: log,
    days: config.admin.traceRetentionDays,
  });
  const bots = await startBots({
    chat,
    traces,
    conversations,
    logger: log,
    // A terminal chat must not log in as a second gateway bot beside the running service.
    discord: options.bots === false ? {} : config.discord,
    line: options.bots === false ? {} : config.line,
    rateLimit: config.bots.rateLimit,
    stateFile: config.bots.stateFile,
    handoffs: desk,
  });
  Object.assign(webhooks, bots.webhooks);
  Object.assign(couriers, bots.staffReplies);
  const app = createHttpApp({
    chat,
    webhooks,
    traces,
    conversations,
    readiness: () => readinessNow(),
    modelName: engine?.modelName ?? "course-ta-retrieval-only",
    adminToken,
    relaySecret: config.relaySecret,
    inferenceToken: config.inferenceToken,
    bodyMaxBytes: config.limits.bodyMaxBytes,
    questionRateLimit: config.httpRateLimit,
    adminLoginMaxFailures: config.adminLoginMaxFailures,
    logger: log,
    admin,
    staff: {
      verified: verifiedAnswers,
      verifiedChanged: () => verifiedIndex.refresh(true),
      handoffs: handoffStore,
      desk,
      conversations,
    },
  });
  return {
    app,
    chat,
    traces,
    conversations,
    evalRuns,
    webhooks,
    config,
    logger: log,
    adminToken,
    adminTokenGenerated: config.adminToken === undefined,
    adminLoginLink: (baseUrl) => adminLoginLink(admin.sessions, baseUrl),
    ingest,
    handoffs: desk,
    staffCouriers: couriers,
    async close() {
      // Bots first: answers in flight still write their traces.
      await bots.stop();
      await stopTraceRetention();
      await stopSourceSchedule?.();
      await engine?.close();
      await staffLoop.close();
      await traces.close();
      await conversations.close();
    },
  };
}
