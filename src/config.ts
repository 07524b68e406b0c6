/**
 * The only reader of process.env. Every setting is typed, validated and has a stated default;
 * a bad value throws a ConfigError that names the variable and says how to fix it.
 */
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { ConfigError } from "./errors.ts";

type Env = Record<string, string | undefined>;

export interface Config {
  host: string;
  port: number;
  corpusDir: string;
  /** A local folder or an object-store URI (s3://, gs://, az://) for LanceDB. */
  dataDir: string;
  /** Seconds after which a read looks for writes by other processes (other replicas, `npm run ingest`). */
  storeRefreshSeconds: number;
  /** Ingest CORPUS_DIR at start. Off on replicas that share DATA_DIR with one ingester. */
  ingestOnStart: boolean;
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
    /** Most passage tokens per prompt (the chat model's tokenizer); 0 = no cap, no merging, no dropping. */
    contextTokens: number;
    /** Staff glossary (YAML); undefined = none. */
    glossaryFile: string | undefined;
    /** GLOSSARY_FILE was set explicitly (a missing file is then an error, not "no glossary"). */
    glossaryFileRequired: boolean;
  };
  relevance: { offTopicBelow: number; notCoveredBelow: number };
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
}

/** Documentation of every variable: name, default, meaning. README's table is written from this. */
export const CONFIG_VARIABLES: ReadonlyArray<{ name: string; default: string; description: string }> = [
  { name: "HOST", default: "127.0.0.1", description: "Address the HTTP service listens on." },
  { name: "PORT", default: "8787", description: "Port the HTTP service listens on." },
  { name: "CORPUS_DIR", default: "./corpus", description: "Folder of course documents to ingest." },
  {
    name: "DATA_DIR",
    default: "./data",
    description: "LanceDB location: a folder, or an object-store URI such as s3://bucket/ta.",
  },
  {
    name: "STORE_REFRESH_SECONDS",
    default: "2",
    description:
      "How stale a read may be: after this many seconds a read picks up writes made by other processes (`npm run ingest`, other replicas). 0 checks on every read.",
  },
  {
    name: "INGEST_ON_START",
    default: "true",
    description:
      "`npm start` ingests CORPUS_DIR when it changed. Set `false` on replicas that share DATA_DIR with one ingester.",
  },
  { name: "MODELS_DIR", default: "./models", description: "Cache folder for downloaded models." },
  { name: "PROMPTS_DIR", default: "./prompts", description: "Folder of prompt templates." },
  {
    name: "EMBED_MODEL",
    default: "Xenova/multilingual-e5-small",
    description: "Embedding model: a Hugging Face id, a local folder, or `none` for full-text search only.",
  },
  {
    name: "MODEL",
    default: "hf:bartowski/Qwen2.5-3B-Instruct-GGUF:Q4_K_M",
    description:
      "Chat model: a .gguf path, an hf: URI or an https:// URL of a .gguf (downloaded into MODELS_DIR on first start).",
  },
  {
    name: "LLM_BACKEND",
    default: "local",
    description:
      "`local` (node-llama-cpp runs MODEL) or `openai` (an OpenAI-compatible server at LLM_BASE_URL).",
  },
  {
    name: "LLM_BASE_URL",
    default: "unset",
    description: "OpenAI-compatible base URL, e.g. http://inference:8000/v1.",
  },
  { name: "LLM_API_KEY", default: "unset", description: "Bearer key for LLM_BASE_URL, if it needs one." },
  { name: "LLM_MODEL", default: "default", description: "Model name sent to the remote server." },
  { name: "LLM_GPU", default: "auto", description: "auto, cpu, cuda, vulkan or metal." },
  { name: "LLM_THREADS", default: "core count", description: "CPU threads for inference." },
  { name: "LLM_CONTEXT_SIZE", default: "8192", description: "Context window per sequence, in tokens." },
  { name: "LLM_PARALLEL", default: "2", description: "Context sequences served at once." },
  {
    name: "LLM_QUEUE_MAX",
    default: "32",
    description: "Questions admitted beyond the running ones (waiting or retrieving); beyond it HTTP 503.",
  },
  { name: "LLM_TIMEOUT_MS", default: "120000", description: "Per-request generation timeout." },
  { name: "LLM_MAX_TOKENS", default: "768", description: "Longest answer allowed, in tokens." },
  { name: "LLM_TEMPERATURE", default: "0.3", description: "Default sampling temperature (0–2)." },
  { name: "LLM_TOP_P", default: "0.9", description: "Default nucleus (top-p) sampling threshold (0–1]." },
  { name: "LLM_TOP_K", default: "40", description: "Default top-k (0 disables)." },
  { name: "LLM_MIN_P", default: "0.05", description: "Default min-p (0–1)." },
  { name: "LLM_REPEAT_PENALTY", default: "1.1", description: "Default repeat penalty (1 disables)." },
  { name: "COURSE_NAME", default: "生成式人工智慧導論", description: "Course name in the system prompt." },
  { name: "COURSE_TIMEZONE", default: "Asia/Taipei", description: "Time zone for today's date." },
  {
    name: "HOMEWORK_POLICY",
    default: "hints",
    description: "`hints` (guide, do not hand over solutions) or `full`.",
  },
  { name: "CHUNK_SIZE", default: "450", description: "Target chunk length in characters." },
  { name: "CHUNK_OVERLAP", default: "60", description: "Overlap between chunks in characters." },
  { name: "RETRIEVAL_TOP_K", default: "5", description: "Passages given to the model." },
  {
    name: "RETRIEVAL_CONTEXT_TOKENS",
    default: "0",
    description:
      "Most passage tokens per prompt, counted with the chat model's tokenizer; passages far below the best are dropped and neighbouring chunks merged first. 0 = off (all top-k passages as retrieved).",
  },
  {
    name: "GLOSSARY_FILE",
    default: "<CORPUS_DIR>/glossary.yaml when present",
    description:
      "Staff glossary of synonyms that questions are expanded with (see Retrieval quality); `none` turns it off.",
  },
  {
    name: "RELEVANCE_OFF_TOPIC",
    default: "0.8",
    description:
      "Best-passage relevance under which a question that mentions nothing of the course is declined.",
  },
  {
    name: "RELEVANCE_NOT_COVERED",
    default: "0.2",
    description: "Best-passage relevance under which even a course question gets the not-covered reply.",
  },
  { name: "MESSAGE_MAX_CHARS", default: "4000", description: "Longest accepted question." },
  { name: "BODY_MAX_BYTES", default: "65536", description: "Largest accepted JSON request body." },
  {
    name: "ADMIN_TOKEN",
    default: "random at start",
    description: "Bearer token for /api/admin and /admin; printed once when generated.",
  },
  {
    name: "TRACE_RETENTION_DAYS",
    default: "180",
    description: "Traces older than this are deleted (at start and every 6 h).",
  },
  {
    name: "WEAK_RETRIEVAL_SCORE",
    default: "3",
    description: "Admin “weak retrieval”: best full-text (BM25) score below this…",
  },
  {
    name: "WEAK_RETRIEVAL_SIMILARITY",
    default: "0.3",
    description: "…and best vector similarity below this (both retrievers must be weak).",
  },
  {
    name: "PSEUDONYM_SECRET",
    default: "the admin token",
    description: "Key for student pseudonyms in the admin page; set it so pseudonyms stay stable.",
  },
  {
    name: "ADMIN_UPLOAD_MAX_BYTES",
    default: "5242880",
    description: "Largest document upload in the admin page.",
  },
  { name: "ADMIN_SESSION_HOURS", default: "12", description: "Admin session lifetime." },
  {
    name: "INFERENCE_TOKEN",
    default: "unset",
    description: "Lets other TA instances use this one as a plain inference backend (their LLM_API_KEY).",
  },
  {
    name: "RELAY_SECRET",
    default: "unset",
    description: "Shared with the edge Worker; enables POST /internal/relay/:platform.",
  },
  {
    name: "DISCORD_TOKEN",
    default: "unset",
    description: "Discord bot token; the gateway bot runs only when set.",
  },
  {
    name: "DISCORD_APPLICATION_ID",
    default: "unset",
    description: "With the token, registers the /ask and /reset slash commands at start.",
  },
  {
    name: "DISCORD_PUBLIC_KEY",
    default: "unset",
    description: "Ed25519 public key (hex); turns on POST /webhooks/discord (HTTP interactions).",
  },
  {
    name: "DISCORD_API_BASE_URL",
    default: "https://discord.com/api",
    description: "Discord API base (tests use a fake).",
  },
  {
    name: "LINE_CHANNEL_SECRET",
    default: "unset",
    description: "Checks X-Line-Signature on POST /webhooks/line.",
  },
  {
    name: "LINE_CHANNEL_ACCESS_TOKEN",
    default: "unset",
    description: "LINE Messaging API token (LINE needs both).",
  },
  {
    name: "LINE_API_BASE_URL",
    default: "https://api.line.me",
    description: "LINE API base (tests use a fake).",
  },
  {
    name: "LINE_REPLY_DEADLINE_MS",
    default: "20000",
    description: "After this, a short “still thinking” reply goes out and the answer follows by push.",
  },
  {
    name: "LINE_GROUP_PREFIX",
    default: "/ask",
    description: "In LINE groups, messages starting with this (or a mention) are for the bot.",
  },
  {
    name: "BOT_RATE_LIMIT_BURST",
    default: "5",
    description: "Questions a student may ask in a row on Discord/LINE.",
  },
  { name: "BOT_RATE_LIMIT_PER_MINUTE", default: "2", description: "Questions regained per minute." },
  {
    name: "BOT_STATE_FILE",
    default: "<DATA_DIR>/bot-state.jsonl (local DATA_DIR)",
    description: "Links bot answers to traces so 👍/👎 count after a restart; `none` keeps it in memory.",
  },
  { name: "LOG_LEVEL", default: "info", description: "debug, info, warn or error." },
];

function readString(env: Env, name: string, fallback: string): string {
  const value = env[name]?.trim();
  return value ? value : fallback;
}

function readNumber(
  env: Env,
  name: string,
  fallback: number,
  range: { min: number; max: number; integer?: boolean },
): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  const kind = range.integer ? "an integer" : "a number";
  if (!Number.isFinite(value) || (range.integer && !Number.isInteger(value))) {
    throw new ConfigError(
      `${name}=${JSON.stringify(raw)} is not ${kind}: set it to ${kind} between ${range.min} and ${range.max}`,
    );
  }
  if (value < range.min || value > range.max) {
    throw new ConfigError(`${name}=${raw} is out of range: set it between ${range.min} and ${range.max}`);
  }
  return value;
}

function readChoice<T extends string>(env: Env, name: string, fallback: T, choices: readonly T[]): T {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (!(choices as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not valid: use one of ${choices.join(", ")}`);
  }
  return raw as T;
}

const OBJECT_STORE_URI = /^(s3|s3\+ddb|gs|az|memory):\/\//i;

/** Local paths are resolved against the working directory; object-store URIs pass through. */
function readLocation(env: Env, name: string, fallback: string, allowObjectStore: boolean): string {
  const value = readString(env, name, fallback);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    if (allowObjectStore && OBJECT_STORE_URI.test(value)) return value;
    throw new ConfigError(
      `${name}=${value} uses an unsupported scheme: give a local folder${allowObjectStore ? " or an s3://, gs:// or az:// URI" : ""}`,
    );
  }
  return resolve(value);
}

function readTimeZone(env: Env): string {
  const zone = readString(env, "COURSE_TIMEZONE", "Asia/Taipei");
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
  } catch {
    throw new ConfigError(`COURSE_TIMEZONE=${zone} is not an IANA time zone: use e.g. Asia/Taipei`);
  }
  return zone;
}

function readRemoteUrl(env: Env): string {
  const value = env["LLM_BASE_URL"]?.trim();
  if (!value) throw new ConfigError("LLM_BACKEND=openai needs LLM_BASE_URL, e.g. http://inference:8000/v1");
  try {
    const url = new URL(value);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("scheme");
  } catch {
    throw new ConfigError(`LLM_BASE_URL=${value} is not an http(s) URL: use e.g. http://inference:8000/v1`);
  }
  return value;
}

function optional(env: Env, name: string): string | undefined {
  return env[name]?.trim() || undefined;
}

function botStateFile(env: Env, dataDir: string): string | undefined {
  const value = env["BOT_STATE_FILE"]?.trim();
  if (value === "none") return undefined;
  if (value) return resolve(value);
  return OBJECT_STORE_URI.test(dataDir) ? undefined : join(dataDir, "bot-state.jsonl");
}

function glossaryFile(
  env: Env,
  corpusDir: string,
): { glossaryFile: string | undefined; glossaryFileRequired: boolean } {
  const value = env["GLOSSARY_FILE"]?.trim();
  if (value === "none") return { glossaryFile: undefined, glossaryFileRequired: false };
  if (value) return { glossaryFile: resolve(value), glossaryFileRequired: true };
  return { glossaryFile: join(corpusDir, "glossary.yaml"), glossaryFileRequired: false };
}

export function loadConfig(env: Env = process.env): Config {
  const dataDir = readLocation(env, "DATA_DIR", "./data", true);
  const backend = readChoice(env, "LLM_BACKEND", "local", ["local", "openai"] as const);
  const model = readString(env, "MODEL", "hf:bartowski/Qwen2.5-3B-Instruct-GGUF:Q4_K_M");
  const remoteModel = /^(hf:|https?:\/\/)/.test(model);
  if (model !== "none" && !model.startsWith("hf:") && !model.toLowerCase().endsWith(".gguf")) {
    throw new ConfigError(
      `MODEL=${model} is not usable: pass a .gguf path, an hf: URI, an https:// URL of a .gguf, or none`,
    );
  }
  return {
    host: readString(env, "HOST", "127.0.0.1"),
    port: readNumber(env, "PORT", 8787, { min: 0, max: 65535, integer: true }),
    corpusDir: readLocation(env, "CORPUS_DIR", "./corpus", false),
    dataDir,
    storeRefreshSeconds: readNumber(env, "STORE_REFRESH_SECONDS", 2, { min: 0, max: 3600 }),
    ingestOnStart: readChoice(env, "INGEST_ON_START", "true", ["true", "false"] as const) === "true",
    modelsDir: readLocation(env, "MODELS_DIR", "./models", false),
    promptsDir: readLocation(env, "PROMPTS_DIR", "./prompts", false),
    embedModel: readString(env, "EMBED_MODEL", "Xenova/multilingual-e5-small"),
    model: remoteModel || model === "none" ? model : resolve(model),
    llm: {
      backend,
      remote: {
        baseUrl: backend === "openai" ? readRemoteUrl(env) : "",
        apiKey: env["LLM_API_KEY"]?.trim() || undefined,
        model: readString(env, "LLM_MODEL", "default"),
      },
      gpu: readChoice(env, "LLM_GPU", "auto", ["auto", "cpu", "cuda", "vulkan", "metal"] as const),
      threads: readNumber(env, "LLM_THREADS", availableParallelism(), { min: 1, max: 256, integer: true }),
      contextSize: readNumber(env, "LLM_CONTEXT_SIZE", 8192, { min: 256, max: 1_048_576, integer: true }),
      parallel: readNumber(env, "LLM_PARALLEL", 2, { min: 1, max: 64, integer: true }),
      queueMax: readNumber(env, "LLM_QUEUE_MAX", 32, { min: 0, max: 10_000, integer: true }),
      timeoutMs: readNumber(env, "LLM_TIMEOUT_MS", 120_000, { min: 1000, max: 3_600_000, integer: true }),
    },
    sampling: {
      temperature: readNumber(env, "LLM_TEMPERATURE", 0.3, { min: 0, max: 2 }),
      topP: readNumber(env, "LLM_TOP_P", 0.9, { min: 0.01, max: 1 }),
      topK: readNumber(env, "LLM_TOP_K", 40, { min: 0, max: 1000, integer: true }),
      minP: readNumber(env, "LLM_MIN_P", 0.05, { min: 0, max: 1 }),
      repeatPenalty: readNumber(env, "LLM_REPEAT_PENALTY", 1.1, { min: 1, max: 2 }),
      maxTokens: readNumber(env, "LLM_MAX_TOKENS", 768, { min: 1, max: 32_768, integer: true }),
    },
    course: {
      name: readString(env, "COURSE_NAME", "生成式人工智慧導論"),
      timeZone: readTimeZone(env),
      homeworkPolicy: readChoice(env, "HOMEWORK_POLICY", "hints", ["hints", "full"] as const),
    },
    chunk: {
      targetChars: readNumber(env, "CHUNK_SIZE", 450, { min: 100, max: 4000, integer: true }),
      overlapChars: readNumber(env, "CHUNK_OVERLAP", 60, { min: 0, max: 1000, integer: true }),
    },
    retrieval: {
      topK: readNumber(env, "RETRIEVAL_TOP_K", 5, { min: 1, max: 50, integer: true }),
      candidates: 30,
      contextTokens: readNumber(env, "RETRIEVAL_CONTEXT_TOKENS", 0, {
        min: 0,
        max: 1_000_000,
        integer: true,
      }),
      ...glossaryFile(env, readLocation(env, "CORPUS_DIR", "./corpus", false)),
    },
    relevance: {
      offTopicBelow: readNumber(env, "RELEVANCE_OFF_TOPIC", 0.8, { min: 0, max: 2 }),
      notCoveredBelow: readNumber(env, "RELEVANCE_NOT_COVERED", 0.2, { min: 0, max: 2 }),
    },
    limits: {
      messageMaxChars: readNumber(env, "MESSAGE_MAX_CHARS", 4000, { min: 1, max: 100_000, integer: true }),
      bodyMaxBytes: readNumber(env, "BODY_MAX_BYTES", 65_536, { min: 1024, max: 10_485_760, integer: true }),
    },
    discord: {
      token: optional(env, "DISCORD_TOKEN"),
      applicationId: optional(env, "DISCORD_APPLICATION_ID"),
      publicKey: optional(env, "DISCORD_PUBLIC_KEY"),
      apiBaseUrl: readString(env, "DISCORD_API_BASE_URL", "https://discord.com/api"),
    },
    line: {
      channelSecret: optional(env, "LINE_CHANNEL_SECRET"),
      channelAccessToken: optional(env, "LINE_CHANNEL_ACCESS_TOKEN"),
      apiBaseUrl: readString(env, "LINE_API_BASE_URL", "https://api.line.me"),
      replyDeadlineMs: readNumber(env, "LINE_REPLY_DEADLINE_MS", 20_000, {
        min: 10,
        max: 60_000,
        integer: true,
      }),
      groupPrefix: readString(env, "LINE_GROUP_PREFIX", "/ask"),
    },
    bots: {
      rateLimit: {
        burst: readNumber(env, "BOT_RATE_LIMIT_BURST", 5, { min: 1, max: 1000, integer: true }),
        perMinute: readNumber(env, "BOT_RATE_LIMIT_PER_MINUTE", 2, { min: 0.01, max: 10_000 }),
      },
      stateFile: botStateFile(env, dataDir),
    },
    admin: {
      traceRetentionDays: readNumber(env, "TRACE_RETENTION_DAYS", 180, {
        min: 1,
        max: 36_500,
        integer: true,
      }),
      weakRetrievalScore: readNumber(env, "WEAK_RETRIEVAL_SCORE", 3, { min: 0, max: 1000 }),
      weakRetrievalSimilarity: readNumber(env, "WEAK_RETRIEVAL_SIMILARITY", 0.3, { min: -1, max: 1 }),
      pseudonymSecret: optional(env, "PSEUDONYM_SECRET"),
      uploadMaxBytes: readNumber(env, "ADMIN_UPLOAD_MAX_BYTES", 5_242_880, {
        min: 1024,
        max: 1_073_741_824,
        integer: true,
      }),
      sessionHours: readNumber(env, "ADMIN_SESSION_HOURS", 12, { min: 0.1, max: 24 * 90 }),
    },
    adminToken: env["ADMIN_TOKEN"]?.trim() || undefined,
    relaySecret: env["RELAY_SECRET"]?.trim() || undefined,
    inferenceToken: env["INFERENCE_TOKEN"]?.trim() || undefined,
    logLevel: readChoice(env, "LOG_LEVEL", "info", ["debug", "info", "warn", "error"] as const),
  };
}
