/**
 * Every environment variable the service reads, defined once: its default, how it is parsed and checked
 * (kinds.ts), and what it means. loadConfig (config.ts) reads these; the README's configuration table
 * must match them (test/readme.test.ts).
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../errors.ts";
import { AUTO_MODEL, CPU_DEFAULT_MODEL, GPU_DEFAULT_MODEL } from "../llm/default-model.ts";
import {
  chatModel,
  choice,
  computed,
  decimal,
  duration,
  file,
  flag,
  httpUrl,
  integer,
  isObjectStoreUri,
  type Lookup,
  location,
  optional,
  type Setting,
  secret,
  text,
  timeZone,
} from "./kinds.ts";

export const SETTINGS = {
  HOST: text({ default: "127.0.0.1", description: "Address the HTTP service listens on." }),
  PORT: integer({ default: 8787, min: 0, max: 65_535, description: "Port the HTTP service listens on." }),
  CORPUS_DIR: location({ default: "./corpus", description: "Folder of course documents to ingest." }),
  DATA_DIR: location({
    default: "./data",
    objectStore: true,
    description: "LanceDB location: a folder, or an object-store URI such as s3://bucket/ta.",
  }),
  STORE_REFRESH_SECONDS: decimal({
    default: 2,
    min: 0,
    max: 3600,
    description:
      "How stale a read may be: after this many seconds a read picks up writes made by other processes (`npm run ingest`, other replicas). 0 checks on every read.",
  }),
  AWS_ENDPOINT: {
    ...optional({
      unset: "AWS's own endpoint",
      description:
        "S3-compatible server for an s3:// DATA_DIR (MinIO, R2, Ceph, ...), e.g. http://127.0.0.1:9000.",
    }),
    kind: "url",
    parse: (raw: string, name: string) => {
      let url: URL | undefined;
      try {
        url = new URL(raw);
      } catch {}
      if (!url || (url.protocol !== "http:" && url.protocol !== "https:"))
        throw new ConfigError(`${name}=${raw} is not an http(s) URL: use e.g. https://s3.example.edu`);
      if (url.username || url.password)
        throw new ConfigError(
          `${name} must not carry credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead`,
        );
      return raw;
    },
  },
  AWS_REGION: optional({
    unset: "LanceDB's default",
    description: "Object-store region (most S3-compatible servers accept us-east-1).",
  }),
  AWS_ACCESS_KEY_ID: optional({ description: "Object-store access key id for an s3:// DATA_DIR." }),
  AWS_SECRET_ACCESS_KEY: optional({
    description: "Object-store secret key; masked in logs, never shown in /readyz.",
  }),
  AWS_SESSION_TOKEN: optional({
    description: "Temporary-credential session token, when the keys are temporary.",
  }),
  AWS_ALLOW_HTTP: flag({
    default: computed("true for an http:// AWS_ENDPOINT, else false", (lookup: Lookup) =>
      String(lookup("AWS_ENDPOINT") ?? "").startsWith("http://"),
    ),
    description:
      "Allow plain-http connections to the object store (an endpoint on the same host or private network).",
  }),
  INGEST_ON_START: flag({
    default: true,
    description:
      "`npm start` ingests CORPUS_DIR when it changed. Set `false` on replicas that share DATA_DIR with one ingester.",
  }),
  MODELS_DIR: location({ default: "./models", description: "Cache folder for downloaded models." }),
  PROMPTS_DIR: location({ default: "./prompts", description: "Folder of prompt templates." }),
  EMBED_MODEL: text({
    default: "Xenova/multilingual-e5-small",
    description: "Embedding model: a Hugging Face id, a local folder, or `none` for full-text search only.",
  }),
  MODEL: chatModel({
    default: computed(
      `\`auto\`: \`${GPU_DEFAULT_MODEL}\` with a GPU, \`${CPU_DEFAULT_MODEL}\` without`,
      () => AUTO_MODEL,
    ),
    description:
      "Chat model: a .gguf path, an hf: URI or an https:// URL of a .gguf (downloaded into MODELS_DIR on first start), or `auto` (chosen by the hardware found; logged at start).",
  }),
  LLM_BACKEND: choice({
    default: "local",
    choices: ["local", "openai"],
    description:
      "`local` (node-llama-cpp runs MODEL) or `openai` (an OpenAI-compatible server at LLM_BASE_URL).",
  }),
  LLM_BASE_URL: httpUrl({
    when: { name: "LLM_BACKEND", is: "openai" },
    example: "http://inference:8000/v1",
    description: "OpenAI-compatible base URL, e.g. http://inference:8000/v1.",
  }),
  LLM_API_KEY: optional({ description: "Bearer key for LLM_BASE_URL, if it needs one." }),
  LLM_MODEL: text({ default: "default", description: "Model name sent to the remote server." }),
  LLM_GPU: choice({
    default: "auto",
    choices: ["auto", "cpu", "cuda", "vulkan", "metal"],
    description: "auto, cpu, cuda, vulkan or metal.",
  }),
  LLM_THREADS: integer({
    default: computed("core count", () => availableParallelism()),
    min: 1,
    max: 256,
    description: "CPU threads for inference.",
  }),
  LLM_CONTEXT_SIZE: integer({
    default: 8192,
    min: 256,
    max: 1_048_576,
    description: "Context window per sequence, in tokens.",
  }),
  LLM_PARALLEL: integer({ default: 2, min: 1, max: 64, description: "Context sequences served at once." }),
  LLM_PREFIX_REUSE: flag({
    default: true,
    description:
      "Keep what each sequence evaluated and evaluate only the part of a new prompt that differs. `false` evaluates every prompt from scratch (the benchmark's cold baseline).",
  }),
  LLM_QUEUE_MAX: integer({
    default: 32,
    min: 0,
    max: 10_000,
    description: "Questions admitted beyond the running ones (waiting or retrieving); beyond it HTTP 503.",
  }),
  LLM_TIMEOUT_MS: integer({
    default: 120_000,
    min: 1000,
    max: 3_600_000,
    description: "Per-request generation timeout.",
  }),
  LLM_MAX_TOKENS: integer({
    default: 768,
    min: 1,
    max: 32_768,
    description: "Longest answer allowed, in tokens.",
  }),
  LLM_TEMPERATURE: decimal({
    default: 0.3,
    min: 0,
    max: 2,
    description: "Default sampling temperature (0–2).",
  }),
  LLM_TOP_P: decimal({
    default: 0.9,
    min: 0.01,
    max: 1,
    description: "Default nucleus (top-p) sampling threshold (0–1].",
  }),
  LLM_TOP_K: integer({ default: 40, min: 0, max: 1000, description: "Default top-k (0 disables)." }),
  LLM_MIN_P: decimal({ default: 0.05, min: 0, max: 1, description: "Default min-p (0–1)." }),
  LLM_REPEAT_PENALTY: decimal({
    default: 1.1,
    min: 1,
    max: 2,
    description: "Default repeat penalty (1 disables).",
  }),
  COURSE_NAME: text({ default: "生成式人工智慧導論", description: "Course name in the system prompt." }),
  COURSE_TIMEZONE: timeZone({ default: "Asia/Taipei", description: "Time zone for today's date." }),
  HOMEWORK_POLICY: choice({
    default: "hints",
    choices: ["hints", "full"],
    description: "`hints` (guide, do not hand over solutions) or `full`.",
  }),
  CHUNK_SIZE: integer({
    default: 450,
    min: 100,
    max: 4000,
    description: "Target chunk length in characters.",
  }),
  CHUNK_OVERLAP: integer({
    default: 60,
    min: 0,
    max: 1000,
    description: "Overlap between chunks in characters.",
  }),
  RETRIEVAL_TOP_K: integer({ default: 5, min: 1, max: 50, description: "Passages given to the model." }),
  RETRIEVAL_CANDIDATES: integer({
    default: 30,
    min: 5,
    max: 500,
    description:
      "Candidates each retriever (full-text, vector) returns before fusion picks RETRIEVAL_TOP_K passages.",
  }),
  RETRIEVAL_PASSAGE_CHARS: integer({
    default: 500,
    min: 0,
    max: 4000,
    description:
      "Longest passage, in characters: a retrieved chunk is widened with the text that follows it in its document (then the text before it) up to this length, so an answer one sentence past the words the question shares is still shown. `0` = chunks as stored.",
  }),
  RETRIEVAL_FIRST_PASSAGE_CHARS: integer({
    default: 1000,
    min: 0,
    max: 8000,
    description:
      "Longest first passage, in characters: the best match is widened further than the rest (with the defaults, five passages average under 600 characters). `0` = as RETRIEVAL_PASSAGE_CHARS.",
  }),
  RETRIEVAL_CONTEXT_TOKENS: integer({
    default: 0,
    min: 0,
    max: 1_000_000,
    description:
      "Most passage tokens per prompt, counted with the chat model's tokenizer; passages scoring under 0.3 × the best are dropped and neighbouring chunks of one document merged first, and the first passage is widened to at most half the budget (in characters). `0` = off (all top-k passages as retrieved). See Retrieval quality for what a budget costs in recall.",
  }),
  GLOSSARY_FILE: file({
    default: computed("<CORPUS_DIR>/glossary.yaml when present", (lookup: Lookup) =>
      join(String(lookup("CORPUS_DIR")), "glossary.yaml"),
    ),
    description:
      "Staff glossary: groups of synonyms questions are expanded with (format under Retrieval quality). `none` turns it off; a path set here that cannot be read is an error.",
  }),
  CORPUS_SOURCES: file({
    default: computed("unset", () => undefined),
    description:
      "YAML list of web sources to keep in the corpus, each `{url, title?, every?}` (see Updating the course material). Unset: the folder only.",
  }),
  SOURCES_SYNC_EVERY: duration({
    default: "6h",
    description:
      "How often the running service re-checks a source that gives no `every` (`30m`, `6h`, `1d`).",
  }),
  SOURCES_ALLOW_PRIVATE: flag({
    default: false,
    description:
      "Let sources reach private, loopback and link-local addresses (checked after DNS). Keep `false` unless the site is on your own network.",
  }),
  SOURCES_REMOVE_AFTER_MISSES: integer({
    default: 3,
    min: 1,
    max: 100,
    description: "A page answering 404 or 410 this many syncs in a row is removed from the corpus.",
  }),
  SOURCES_TIMEOUT_SECONDS: decimal({
    default: 20,
    min: 1,
    max: 600,
    description: "Longest a source's download may take, redirects included.",
  }),
  SOURCES_MAX_BYTES: integer({
    default: 20_000_000,
    min: 1000,
    max: 1_000_000_000,
    description: "Largest source download in bytes; a larger one fails and the last good version stays.",
  }),
  RERANK_MODEL: text({
    default: "none",
    description:
      "Cross-encoder that reorders the best fused passages: a Hugging Face id (`Xenova/bge-reranker-base` recommended), a local folder, or `none`. Off by default: seconds per question on 2 cores (see Benchmarks).",
  }),
  RERANK_CANDIDATES: integer({
    default: 10,
    min: 2,
    max: 30,
    description: "Fused passages the reranker rescores (2–30); its cost grows in proportion.",
  }),
  RERANK_MAX_TOKENS: integer({
    default: 256,
    min: 32,
    max: 512,
    description: "Tokens each (question, passage) pair is cut to before reranking (32–512).",
  }),
  RELEVANCE_OFF_TOPIC: decimal({
    default: 0.8,
    min: 0,
    max: 2,
    description:
      "Best-passage relevance under which a question that mentions nothing of the course is declined.",
  }),
  RELEVANCE_NOT_COVERED: decimal({
    default: 0.2,
    min: 0,
    max: 2,
    description: "Best-passage relevance under which even a course question gets the not-covered reply.",
  }),
  VERIFIED_MATCH_SCORE: decimal({
    default: 0.55,
    min: 0,
    max: 1,
    description:
      "Match score (0–1, see Verified answers) at which a question is served a verified answer as it is, without the model.",
  }),
  VERIFIED_NEAR_SCORE: decimal({
    default: 0.35,
    min: 0,
    max: 1,
    description: "Match score at which a verified answer becomes a passage the model may cite.",
  }),
  VERIFIED_MATCH_SIMILARITY: decimal({
    default: 0.92,
    min: -1,
    max: 1,
    description:
      "With an embedding model: cosine similarity of the two questions at which the verified answer is served.",
  }),
  VERIFIED_NEAR_SIMILARITY: decimal({
    default: 0.85,
    min: -1,
    max: 1,
    description: "With an embedding model: similarity at which it becomes a citable passage.",
  }),
  MESSAGE_MAX_CHARS: integer({
    default: 4000,
    min: 1,
    max: 100_000,
    description: "Longest accepted question.",
  }),
  BODY_MAX_BYTES: integer({
    default: 65_536,
    min: 1024,
    max: 10_485_760,
    description: "Largest accepted JSON request body.",
  }),
  ADMIN_TOKEN: secret({
    unset: "random at start",
    description:
      "Bearer token for /api/admin and /admin (at least 16 characters). When unset, a random one is used and only a one-time login link is printed, never the token.",
  }),
  HTTP_RATE_LIMIT_BURST: integer({
    default: 10,
    min: 1,
    max: 100_000,
    description: "Questions one client address may send in a row to /api/chat and /v1/chat/completions.",
  }),
  HTTP_RATE_LIMIT_PER_MINUTE: decimal({
    default: 6,
    min: 0,
    max: 100_000,
    description:
      "Questions a client address regains per minute; beyond the limit HTTP 429 with Retry-After. 0 turns the limit off.",
  }),
  ADMIN_LOGIN_MAX_FAILURES: integer({
    default: 5,
    min: 1,
    max: 1_000_000,
    description:
      "Wrong admin tokens (login form, one-time link, Bearer) a client address may send in a row; then one more a minute, 429 until then.",
  }),
  TRACE_RETENTION_DAYS: integer({
    default: 180,
    min: 1,
    max: 36_500,
    description: "Traces older than this are deleted (at start and every 6 h).",
  }),
  WEAK_RETRIEVAL_SCORE: decimal({
    default: 3,
    min: 0,
    max: 1000,
    description: "Admin “weak retrieval”: best full-text (BM25) score below this…",
  }),
  WEAK_RETRIEVAL_SIMILARITY: decimal({
    default: 0.3,
    min: -1,
    max: 1,
    description: "…and best vector similarity below this (both retrievers must be weak).",
  }),
  PSEUDONYM_SECRET: optional({
    unset: "the admin token",
    description: "Key for student pseudonyms in the admin page; set it so pseudonyms stay stable.",
  }),
  ADMIN_UPLOAD_MAX_BYTES: integer({
    default: 5_242_880,
    min: 1024,
    max: 1_073_741_824,
    description: "Largest document upload in the admin page.",
  }),
  ADMIN_SESSION_HOURS: decimal({
    default: 12,
    min: 0.1,
    max: 24 * 90,
    description: "Admin session lifetime.",
  }),
  INFERENCE_TOKEN: secret({
    description:
      "Lets other TA instances use this one as a plain inference backend (their LLM_API_KEY); at least 16 characters.",
  }),
  RELAY_SECRET: secret({
    description:
      "Shared with the edge Worker (at least 16 characters); enables POST /internal/relay/:platform and the client address the Worker forwards.",
  }),
  DISCORD_TOKEN: optional({ description: "Discord bot token; the gateway bot runs only when set." }),
  DISCORD_APPLICATION_ID: optional({
    description: "With the token, registers the /ask, /reset and /human slash commands at start.",
  }),
  DISCORD_PUBLIC_KEY: optional({
    description: "Ed25519 public key (hex); turns on POST /webhooks/discord (HTTP interactions).",
  }),
  DISCORD_API_BASE_URL: text({
    default: "https://discord.com/api",
    description: "Discord API base (tests use a fake).",
  }),
  LINE_CHANNEL_SECRET: optional({ description: "Checks X-Line-Signature on POST /webhooks/line." }),
  LINE_CHANNEL_ACCESS_TOKEN: optional({ description: "LINE Messaging API token (LINE needs both)." }),
  LINE_API_BASE_URL: text({
    default: "https://api.line.me",
    description: "LINE API base (tests use a fake).",
  }),
  LINE_REPLY_DEADLINE_MS: integer({
    default: 20_000,
    min: 10,
    max: 60_000,
    description: "After this, a short “still thinking” reply goes out and the answer follows by push.",
  }),
  LINE_GROUP_PREFIX: text({
    default: "/ask",
    description: "In LINE groups, messages starting with this (or a mention) are for the bot.",
  }),
  BOT_RATE_LIMIT_BURST: integer({
    default: 5,
    min: 1,
    max: 1000,
    description: "Questions a student may ask in a row on Discord/LINE.",
  }),
  BOT_RATE_LIMIT_PER_MINUTE: decimal({
    default: 2,
    min: 0.01,
    max: 10_000,
    description: "Questions regained per minute.",
  }),
  BOT_STATE_FILE: file({
    default: computed("<DATA_DIR>/bot-state.jsonl (local DATA_DIR)", (lookup: Lookup) => {
      const dataDir = String(lookup("DATA_DIR"));
      return isObjectStoreUri(dataDir) ? undefined : join(dataDir, "bot-state.jsonl");
    }),
    description:
      "Links bot answers to traces so 👍/👎 count after a restart, and remembers LINE webhook event ids for 24 h so a replayed webhook is not answered twice; `none` keeps both in memory.",
  }),
  STAFF_ALERT_WEBHOOK_URL: optional({
    description:
      "Discord channel webhook URL for staff: crisis flags, new hand-offs and the daily digest are posted there.",
  }),
  PUBLIC_BASE_URL: optional({
    description: "The service's public address (https://ta.example.edu): alerts link to traces under it.",
  }),
  STAFF_DIGEST_HOUR: integer({
    default: 8,
    min: -1,
    max: 23,
    description:
      "Hour (0–23, COURSE_TIMEZONE) the daily digest is posted to STAFF_ALERT_WEBHOOK_URL; -1 turns it off.",
  }),
  JUDGE_BASE_URL: optional({
    description:
      "OpenAI-compatible base URL of the answer-quality judge (`npm run eval -- answers --judge`), e.g. http://judge:8000/v1.",
  }),
  JUDGE_MODEL: text({ default: "default", description: "Model name sent to the judge server." }),
  JUDGE_API_KEY: optional({ description: "Bearer key for JUDGE_BASE_URL, if it needs one." }),
  LOG_LEVEL: choice({
    default: "info",
    choices: ["debug", "info", "warn", "error"],
    description: "debug, info, warn or error.",
  }),
} satisfies Record<string, Setting<unknown>>;

export type SettingName = keyof typeof SETTINGS;

/** Each setting's typed value, e.g. `PORT: number`, `LLM_GPU: "auto" | "cpu" | ...`. */
export type SettingValues = {
  [Name in SettingName]: ReturnType<(typeof SETTINGS)[Name]["parse"]>;
};

type Env = Record<string, string | undefined>;

/** The one reader of a setting: blank or unset gives the default, anything else goes through its parse. */
export function readSetting(env: Env, name: string, lookup: Lookup): unknown {
  const setting: Setting<unknown> | undefined = (SETTINGS as Record<string, Setting<unknown>>)[name];
  if (!setting) throw new Error(`${name} is not in SETTINGS (src/config/settings.ts)`);
  const raw = env[name]?.trim();
  return raw ? setting.parse(raw, name, lookup) : setting.default(lookup, name);
}

/** Reads every setting once; a setting whose default or check needs another reads it first. */
export function readSettings(env: Env): SettingValues {
  const values = new Map<string, unknown>();
  const lookup: Lookup = (name) => {
    if (!values.has(name)) values.set(name, readSetting(env, name, lookup));
    return values.get(name);
  };
  for (const name of Object.keys(SETTINGS)) lookup(name);
  return Object.fromEntries(values) as SettingValues;
}

/** The docs view, one row per variable as the README's configuration table shows it. */
export const CONFIG_VARIABLES: ReadonlyArray<{ name: string; default: string; description: string }> =
  Object.entries(SETTINGS).map(([name, setting]) => ({
    name,
    default: setting.documentedDefault,
    description: setting.description,
  }));
