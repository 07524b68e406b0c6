/**
 * The only reader of process.env. Every setting is typed, validated and has a stated default, all
 * defined once in config/settings.ts; a bad value throws a ConfigError that names the variable and says
 * how to fix it. This file arranges the settings into the Config the rest of the service takes.
 */
import { readSettings } from "./config/settings.ts";

export { SECRET_MIN_CHARS, type Setting } from "./config/kinds.ts";
export { CONFIG_VARIABLES, readSettings, SETTINGS, type SettingValues } from "./config/settings.ts";

type Env = Record<string, string | undefined>;

export interface Config {
  host: string;
  port: number;
  corpusDir: string;
  /** A local folder or an object-store URI (s3://, gs://, az://) for LanceDB. */
  dataDir: string;
  /** Seconds after which a read looks for writes by other processes (other replicas, `npm run ingest`). */
  storeRefreshSeconds: number;
  /** The AWS_* variables, passed to LanceDB for an object-store DATA_DIR (unset ones: LanceDB's defaults). */
  objectStore: {
    endpoint?: string;
    region?: string;
    accessKeyId?: string;
    secretAccessKey?: string;
    sessionToken?: string;
    allowHttp: boolean;
  };
  /** Ingest CORPUS_DIR at start. Off on replicas that share DATA_DIR with one ingester. */
  ingestOnStart: boolean;
  /** Web sources kept in the corpus (CORPUS_SOURCES and its SOURCES_* settings). */
  sources: {
    file: string | undefined;
    defaultEveryMs: number;
    allowPrivate: boolean;
    missLimit: number;
    timeoutMs: number;
    maxBytes: number;
  };
  modelsDir: string;
  promptsDir: string;
  embedModel: string;
  model: string;
  llm: {
    backend: "local" | "openai";
    /** OpenAI-compatible server (LLM_BACKEND=openai). */
    remote: { baseUrl: string; apiKey: string | undefined; model: string };
    gpu: "auto" | "cpu" | "cuda" | "vulkan" | "metal";
    threads: number;
    contextSize: number;
    parallel: number;
    queueMax: number;
    timeoutMs: number;
    prefixReuse: boolean;
  };
  sampling: {
    temperature: number;
    topP: number;
    topK: number;
    minP: number;
    repeatPenalty: number;
    maxTokens: number;
  };
  course: { name: string; timeZone: string; homeworkPolicy: "hints" | "full" };
  chunk: { targetChars: number; overlapChars: number };
  retrieval: {
    topK: number;
    candidates: number;
    /** Longest passage a retrieved chunk is widened to with its neighbours; 0 = chunks as stored. */
    passageChars: number;
    /** Longest first passage; 0 = as passageChars. */
    firstPassageChars: number;
    /** Most passage tokens per prompt (the chat model's tokenizer); 0 = no cap, no merging, no dropping. */
    contextTokens: number;
    /** Staff glossary (YAML); undefined = none. */
    glossaryFile: string | undefined;
    /** GLOSSARY_FILE was set explicitly (a missing file is then an error, not "no glossary"). */
    glossaryFileRequired: boolean;
  };
  /** Optional cross-encoder stage after fusion (off when model is "none"). */
  rerank: { model: string; candidates: number; maxTokens: number };
  relevance: { offTopicBelow: number; notCoveredBelow: number };
  /** When a question gets a verified answer (retrieve/verified-match.ts). */
  verified: { serve: number; near: number; serveSimilarity: number; nearSimilarity: number };
  /** Staff alerts and the daily digest (a Discord webhook); digestHour -1 = no digest. */
  staff: { alertWebhookUrl?: string; publicBaseUrl?: string; digestHour: number };
  limits: { messageMaxChars: number; bodyMaxBytes: number };
  discord: {
    token?: string;
    applicationId?: string;
    publicKey?: string;
    apiBaseUrl: string;
  };
  line: {
    channelSecret?: string;
    channelAccessToken?: string;
    apiBaseUrl: string;
    replyDeadlineMs: number;
    groupPrefix: string;
  };
  bots: { rateLimit: { burst: number; perMinute: number }; stateFile?: string };
  /** Per client address on /api/chat and /v1/chat/completions; perMinute 0 turns the limit off. */
  httpRateLimit: { burst: number; perMinute: number };
  /** Wrong admin tokens a client address may send in a row (then one more a minute). */
  adminLoginMaxFailures: number;
  admin: {
    traceRetentionDays: number;
    weakRetrievalScore: number;
    weakRetrievalSimilarity: number;
    pseudonymSecret?: string;
    uploadMaxBytes: number;
    sessionHours: number;
  };
  adminToken: string | undefined;
  relaySecret: string | undefined;
  inferenceToken: string | undefined;
  logLevel: "debug" | "info" | "warn" | "error";
  /** The answer-quality judge (npm run eval -- answers --judge). */
  judge: { baseUrl: string | undefined; model: string; apiKey: string | undefined };
}

export function loadConfig(env: Env = process.env): Config {
  const s = readSettings(env);
  return {
    host: s.HOST,
    port: s.PORT,
    corpusDir: s.CORPUS_DIR,
    dataDir: s.DATA_DIR,
    storeRefreshSeconds: s.STORE_REFRESH_SECONDS,
    objectStore: {
      endpoint: s.AWS_ENDPOINT,
      region: s.AWS_REGION,
      accessKeyId: s.AWS_ACCESS_KEY_ID,
      secretAccessKey: s.AWS_SECRET_ACCESS_KEY,
      sessionToken: s.AWS_SESSION_TOKEN,
      allowHttp: s.AWS_ALLOW_HTTP,
    },
    ingestOnStart: s.INGEST_ON_START,
    sources: {
      file: s.CORPUS_SOURCES,
      defaultEveryMs: s.SOURCES_SYNC_EVERY,
      allowPrivate: s.SOURCES_ALLOW_PRIVATE,
      missLimit: s.SOURCES_REMOVE_AFTER_MISSES,
      timeoutMs: Math.round(s.SOURCES_TIMEOUT_SECONDS * 1000),
      maxBytes: s.SOURCES_MAX_BYTES,
    },
    modelsDir: s.MODELS_DIR,
    promptsDir: s.PROMPTS_DIR,
    embedModel: s.EMBED_MODEL,
    model: s.MODEL,
    llm: {
      backend: s.LLM_BACKEND,
      remote: { baseUrl: s.LLM_BASE_URL, apiKey: s.LLM_API_KEY, model: s.LLM_MODEL },
      gpu: s.LLM_GPU,
      threads: s.LLM_THREADS,
      contextSize: s.LLM_CONTEXT_SIZE,
      parallel: s.LLM_PARALLEL,
      queueMax: s.LLM_QUEUE_MAX,
      timeoutMs: s.LLM_TIMEOUT_MS,
      prefixReuse: s.LLM_PREFIX_REUSE,
    },
    sampling: {
      temperature: s.LLM_TEMPERATURE,
      topP: s.LLM_TOP_P,
      topK: s.LLM_TOP_K,
      minP: s.LLM_MIN_P,
      repeatPenalty: s.LLM_REPEAT_PENALTY,
      maxTokens: s.LLM_MAX_TOKENS,
    },
    course: { name: s.COURSE_NAME, timeZone: s.COURSE_TIMEZONE, homeworkPolicy: s.HOMEWORK_POLICY },
    chunk: { targetChars: s.CHUNK_SIZE, overlapChars: s.CHUNK_OVERLAP },
    retrieval: {
      topK: s.RETRIEVAL_TOP_K,
      candidates: s.RETRIEVAL_CANDIDATES,
      passageChars: s.RETRIEVAL_PASSAGE_CHARS,
      firstPassageChars: s.RETRIEVAL_FIRST_PASSAGE_CHARS,
      contextTokens: s.RETRIEVAL_CONTEXT_TOKENS,
      glossaryFile: s.GLOSSARY_FILE,
      glossaryFileRequired: Boolean(env["GLOSSARY_FILE"]?.trim()) && env["GLOSSARY_FILE"]?.trim() !== "none",
    },
    rerank: { model: s.RERANK_MODEL, candidates: s.RERANK_CANDIDATES, maxTokens: s.RERANK_MAX_TOKENS },
    relevance: { offTopicBelow: s.RELEVANCE_OFF_TOPIC, notCoveredBelow: s.RELEVANCE_NOT_COVERED },
    verified: {
      serve: s.VERIFIED_MATCH_SCORE,
      near: s.VERIFIED_NEAR_SCORE,
      serveSimilarity: s.VERIFIED_MATCH_SIMILARITY,
      nearSimilarity: s.VERIFIED_NEAR_SIMILARITY,
    },
    staff: {
      alertWebhookUrl: s.STAFF_ALERT_WEBHOOK_URL,
      publicBaseUrl: s.PUBLIC_BASE_URL,
      digestHour: s.STAFF_DIGEST_HOUR,
    },
    limits: { messageMaxChars: s.MESSAGE_MAX_CHARS, bodyMaxBytes: s.BODY_MAX_BYTES },
    discord: {
      token: s.DISCORD_TOKEN,
      applicationId: s.DISCORD_APPLICATION_ID,
      publicKey: s.DISCORD_PUBLIC_KEY,
      apiBaseUrl: s.DISCORD_API_BASE_URL,
    },
    line: {
      channelSecret: s.LINE_CHANNEL_SECRET,
      channelAccessToken: s.LINE_CHANNEL_ACCESS_TOKEN,
      apiBaseUrl: s.LINE_API_BASE_URL,
      replyDeadlineMs: s.LINE_REPLY_DEADLINE_MS,
      groupPrefix: s.LINE_GROUP_PREFIX,
    },
    bots: {
      rateLimit: { burst: s.BOT_RATE_LIMIT_BURST, perMinute: s.BOT_RATE_LIMIT_PER_MINUTE },
      stateFile: s.BOT_STATE_FILE,
    },
    admin: {
      traceRetentionDays: s.TRACE_RETENTION_DAYS,
      weakRetrievalScore: s.WEAK_RETRIEVAL_SCORE,
      weakRetrievalSimilarity: s.WEAK_RETRIEVAL_SIMILARITY,
      pseudonymSecret: s.PSEUDONYM_SECRET,
      uploadMaxBytes: s.ADMIN_UPLOAD_MAX_BYTES,
      sessionHours: s.ADMIN_SESSION_HOURS,
    },
    httpRateLimit: { burst: s.HTTP_RATE_LIMIT_BURST, perMinute: s.HTTP_RATE_LIMIT_PER_MINUTE },
    adminLoginMaxFailures: s.ADMIN_LOGIN_MAX_FAILURES,
    adminToken: s.ADMIN_TOKEN,
    relaySecret: s.RELAY_SECRET,
    inferenceToken: s.INFERENCE_TOKEN,
    logLevel: s.LOG_LEVEL,
    judge: { baseUrl: s.JUDGE_BASE_URL, model: s.JUDGE_MODEL, apiKey: s.JUDGE_API_KEY },
  };
}
