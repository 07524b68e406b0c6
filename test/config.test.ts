/**
 * The only reader of the environment: every default as documented, every range and choice enforced with
 * an error that names the variable. The table-driven tests cover a new setting without being edited.
 */
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type Config,
  loadConfig,
  readSettings,
  SETTINGS,
  type Setting,
  type SettingValues,
} from "../src/config.ts";
import { ConfigError } from "../src/errors.ts";

const settings = Object.entries(SETTINGS) as [keyof SettingValues, Setting][];
const literalDefault = (setting: Setting) => /^`(.*)`$/.exec(setting.documentedDefault)?.[1];
const numbers = settings.flatMap(([name, setting]) =>
  setting.kind === "number" ? [{ name, ...setting.range }] : [],
);
const choices = settings.flatMap(([name, setting]) =>
  setting.kind === "choice" ? [{ name, choices: setting.choices }] : [],
);

describe("defaults", () => {
  const config = loadConfig({});

  it("typed values, written out (so the table-driven tests below cannot pass vacuously)", () => {
    expect(`${config.host}:${config.port}`).toBe("127.0.0.1:8787");
    expect(config.corpusDir).toBe(resolve("corpus"));
    expect(config.dataDir).toBe(resolve("data"));
    expect(config.llm.parallel).toBe(2);
    expect(config.llm.backend).toBe("local");
    expect(config.llm.gpu).toBe("auto");
    expect(config.sampling).toEqual({
      temperature: 0.3,
      topP: 0.9,
      topK: 40,
      minP: 0.05,
      repeatPenalty: 1.1,
      maxTokens: 768,
    });
    expect(config.retrieval).toEqual({
      topK: 5,
      candidates: 30,
      passageChars: 500,
      firstPassageChars: 1000,
      contextTokens: 0,
      glossaryFile: join(resolve("corpus"), "glossary.yaml"),
      glossaryFileRequired: false,
    });
    expect(config.course).toEqual({
      name: "生成式人工智慧導論",
      timeZone: "Asia/Taipei",
      homeworkPolicy: "hints",
    });
    expect(config.ingestOnStart).toBe(true);
    // Chosen by the hardware when the model loads (src/llm/default-model.ts).
    expect(config.model).toBe("auto");
  });

  it.each(settings.filter(([, setting]) => literalDefault(setting) !== undefined))(
    "%s: unset behaves exactly as its documented default",
    (name, setting) => {
      expect(loadConfig({ [name]: literalDefault(setting)! })).toEqual(config);
      expect(loadConfig({ [name]: "  " })).toEqual(config);
    },
  );

  /** Defaults the README states in words; a new one needs its line here. */
  const computedDefaults: Record<string, (config: Config) => unknown> = {
    LLM_THREADS: (c) => expect(c.llm.threads).toBe(availableParallelism()),
    MODEL: (c) => expect(c.model).toBe("auto"), // the llm room chooses by hardware at load
    LLM_BASE_URL: (c) => expect(c.llm.remote.baseUrl).toBe(""),
    LLM_API_KEY: (c) => expect(c.llm.remote.apiKey).toBeUndefined(),
    JUDGE_BASE_URL: (c) => expect(c.judge.baseUrl).toBeUndefined(), // --judge then says it is needed
    JUDGE_API_KEY: (c) => expect(c.judge.apiKey).toBeUndefined(),
    ADMIN_TOKEN: (c) => expect(c.adminToken).toBeUndefined(), // serve.ts makes a random one
    PSEUDONYM_SECRET: (c) => expect(c.admin.pseudonymSecret).toBeUndefined(), // deps.ts uses the admin token
    INFERENCE_TOKEN: (c) => expect(c.inferenceToken).toBeUndefined(),
    RELAY_SECRET: (c) => expect(c.relaySecret).toBeUndefined(),
    DISCORD_TOKEN: (c) => expect(c.discord.token).toBeUndefined(),
    DISCORD_APPLICATION_ID: (c) => expect(c.discord.applicationId).toBeUndefined(),
    DISCORD_PUBLIC_KEY: (c) => expect(c.discord.publicKey).toBeUndefined(),
    LINE_CHANNEL_SECRET: (c) => expect(c.line.channelSecret).toBeUndefined(),
    LINE_CHANNEL_ACCESS_TOKEN: (c) => expect(c.line.channelAccessToken).toBeUndefined(),
    AWS_ENDPOINT: (c) => expect(c.objectStore.endpoint).toBeUndefined(), // LanceDB: AWS's endpoint
    AWS_REGION: (c) => expect(c.objectStore.region).toBeUndefined(),
    AWS_ACCESS_KEY_ID: (c) => expect(c.objectStore.accessKeyId).toBeUndefined(),
    AWS_SECRET_ACCESS_KEY: (c) => expect(c.objectStore.secretAccessKey).toBeUndefined(),
    AWS_SESSION_TOKEN: (c) => expect(c.objectStore.sessionToken).toBeUndefined(),
    AWS_ALLOW_HTTP: (c) => {
      expect(c.objectStore.allowHttp).toBe(false);
      expect(loadConfig({ AWS_ENDPOINT: "http://127.0.0.1:9000" }).objectStore.allowHttp).toBe(true);
      expect(loadConfig({ AWS_ENDPOINT: "https://s3.example.edu" }).objectStore.allowHttp).toBe(false);
    },
    STAFF_ALERT_WEBHOOK_URL: (c) => expect(c.staff.alertWebhookUrl).toBeUndefined(),
    PUBLIC_BASE_URL: (c) => expect(c.staff.publicBaseUrl).toBeUndefined(),
    BOT_STATE_FILE: (c) => expect(c.bots.stateFile).toBe(join(resolve("data"), "bot-state.jsonl")),
    CORPUS_SOURCES: (c) => expect(c.sources.file).toBeUndefined(),
    GLOSSARY_FILE: (c) => {
      expect(c.retrieval.glossaryFile).toBe(join(resolve("corpus"), "glossary.yaml"));
      expect(c.retrieval.glossaryFileRequired).toBe(false); // absent is fine; an explicit path must exist
    },
  };

  it.each(settings.filter(([, setting]) => literalDefault(setting) === undefined))(
    "%s: the default stated in words holds",
    (name) => {
      expect(computedDefaults[name], `add ${name} to computedDefaults`).toBeDefined();
      computedDefaults[name]!(config);
    },
  );

  it("keeps no bot state file beside an object-store DATA_DIR; `none` keeps it in memory", () => {
    const objectStore = loadConfig({ DATA_DIR: "s3://course-bucket/ta" });
    expect(objectStore.dataDir).toBe("s3://course-bucket/ta");
    expect(objectStore.bots.stateFile).toBeUndefined();
    expect(loadConfig({ BOT_STATE_FILE: "none" }).bots.stateFile).toBeUndefined();
    expect(loadConfig({ BOT_STATE_FILE: "state.jsonl" }).bots.stateFile).toBe(resolve("state.jsonl"));
  });
});

/** A valid value other than the one `base` gives, per kind of setting. */
function otherValue(name: keyof SettingValues, setting: Setting, base: SettingValues): string {
  switch (setting.kind) {
    case "number":
      return String(base[name] === setting.range.min ? setting.range.max : setting.range.min);
    case "choice":
      return setting.choices.find((choice) => choice !== String(base[name]))!;
    case "secret":
      return "a-secret-of-24-characters";
    case "text":
    case "optional":
      return "some other text";
    case "location":
      return "./elsewhere";
    case "file":
      return "./elsewhere.jsonl";
    case "url":
      return "http://elsewhere.test/v1";
    case "model":
      return "./elsewhere.gguf";
    case "time-zone":
      return "Europe/Paris";
    case "duration":
      return "45m";
  }
}

describe("every setting reaches the Config", () => {
  const base = { LLM_BACKEND: "openai", LLM_BASE_URL: "http://inference.test/v1" };
  const baseValues = readSettings(base);

  it.each(settings)("%s", (name, setting) => {
    const value = otherValue(name, setting, baseValues);
    expect(readSettings({ ...base, [name]: value })[name]).not.toEqual(baseValues[name]);
    expect(loadConfig({ ...base, [name]: value })).not.toEqual(loadConfig(base));
  });
});

describe("range errors", () => {
  const expectError = (env: Record<string, string>, message: string | RegExp) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  };

  it.each(numbers)("$name outside $min–$max", ({ name, min, max, integer }) => {
    const fix = `set it between ${min} and ${max}`;
    expectError({ [name]: String(min - 1) }, `${name}=${min - 1} is out of range: ${fix}`);
    expectError({ [name]: String(max + 1) }, `${name}=${max + 1} is out of range: ${fix}`);
    const kind = integer ? "an integer" : "a number";
    expectError(
      { [name]: "many" },
      `${name}="many" is not ${kind}: set it to ${kind} between ${min} and ${max}`,
    );
    if (integer) expectError({ [name]: String(min + 0.5) }, `is not an integer`);
    expect(readSettings({ [name]: String(min) })[name]).toBe(min);
    expect(readSettings({ [name]: String(max) })[name]).toBe(max);
  });

  it.each(choices)("$name other than one of $choices", ({ name, choices }) => {
    expectError({ [name]: "bogus" }, `${name}="bogus" is not valid: use one of ${choices.join(", ")}`);
    const remote = { LLM_BASE_URL: "http://inference.test/v1" }; // for LLM_BACKEND=openai
    for (const choice of choices) {
      expect(() => loadConfig({ ...remote, [name]: choice.toUpperCase() })).not.toThrow();
    }
  });

  it.each(settings.filter(([, setting]) => setting.kind === "secret"))(
    "%s shorter than 16 characters",
    (name) => {
      expectError({ [name]: "short-secret-15" }, new RegExp(`^${name} is 15 characters: use at least 16`));
    },
  );

  it.each([
    [{ CORPUS_DIR: "s3://bucket/corpus" }, /CORPUS_DIR=s3:\/\/bucket\/corpus uses an unsupported scheme/],
    [{ DATA_DIR: "ftp://host/data" }, /DATA_DIR=ftp:\/\/host\/data uses an unsupported scheme/],
    [{ COURSE_TIMEZONE: "Mars/Olympus" }, /COURSE_TIMEZONE=Mars\/Olympus is not an IANA time zone/],
    [{ MODEL: "weights.bin" }, /MODEL=weights\.bin is not usable/],
    [{ LLM_BACKEND: "openai" }, /LLM_BACKEND=openai needs LLM_BASE_URL, e.g. http:\/\/inference:8000\/v1/],
    [{ LLM_BACKEND: "openai", LLM_BASE_URL: "inference:8000" }, /LLM_BASE_URL=inference:8000 is not an http/],
  ] as [Record<string, string>, RegExp][])("names the variable: %j", (env, message) => {
    expectError(env, message);
  });

  it("checks LLM_BASE_URL only for LLM_BACKEND=openai", () => {
    expect(loadConfig({ LLM_BASE_URL: "inference:8000" }).llm.remote.baseUrl).toBe("");
    const remote = loadConfig({ LLM_BACKEND: "OpenAI", LLM_BASE_URL: "http://inference:8000/v1" });
    expect(remote.llm.remote.baseUrl).toBe("http://inference:8000/v1");
  });
});
