/**
 * The kinds of setting (number, choice, location, secret, ...): how each turns the variable's text into
 * a typed value, and the ConfigError it throws, naming the variable and the fix. The table is settings.ts.
 */
import { resolve } from "node:path";
import { parseDuration } from "../duration.ts";
import { ConfigError } from "../errors.ts";

/** Another setting's value, for defaults and checks that depend on it (e.g. BOT_STATE_FILE on DATA_DIR). */
export type Lookup = (name: string) => unknown;

export interface NumberRange {
  min: number;
  max: number;
  integer: boolean;
}

interface SettingBase<T> {
  /** The value when the variable is unset or blank. */
  readonly default: (lookup: Lookup, name: string) => T;
  /** The README's Default column: the literal default in backticks, or words ("core count", "unset"). */
  readonly documentedDefault: string;
  /** Turns the trimmed, non-empty text into the value, or throws a ConfigError naming the variable. */
  readonly parse: (raw: string, name: string, lookup: Lookup) => T;
  /** The README's Meaning column. */
  readonly description: string;
}

/** What is checked, for tests and docs: ranges and choices are data, not only code. */
type SettingCheck =
  | { readonly kind: "number"; readonly range: NumberRange }
  | { readonly kind: "choice"; readonly choices: readonly string[] }
  | { readonly kind: "secret"; readonly minChars: number }
  | { readonly kind: "text" | "optional" | "location" | "file" | "url" | "model" | "time-zone" | "duration" };

export type Setting<T = unknown> = SettingBase<T> & SettingCheck;

/** A default that is not a literal: computed when the config is read, documented in words. */
export class Computed<T> {
  constructor(
    readonly documented: string,
    readonly compute: (lookup: Lookup) => T,
  ) {}
}

export function computed<T>(documented: string, compute: (lookup: Lookup) => T): Computed<T> {
  return new Computed(documented, compute);
}

/** Literal defaults are shown in backticks; `finish` turns the literal into the value (e.g. resolves a path). */
function defaultOf<T>(
  value: T | Computed<T>,
  finish: (literal: T) => T = (literal) => literal,
): Pick<SettingBase<T>, "default" | "documentedDefault"> {
  if (value instanceof Computed) return { default: value.compute, documentedDefault: value.documented };
  return { default: () => finish(value), documentedDefault: `\`${String(value)}\`` };
}

interface Options<T> {
  default: T | Computed<T>;
  description: string;
}

export function text(options: Options<string>): Setting<string> {
  return {
    kind: "text",
    ...defaultOf(options.default),
    parse: (raw) => raw,
    description: options.description,
  };
}

/** Unset means undefined; `unset` says what the service does then (the README's Default column). */
export function optional(options: { unset?: string; description: string }): Setting<string | undefined> {
  return {
    kind: "optional",
    ...defaultOf(computed(options.unset ?? "unset", () => undefined)),
    parse: (raw) => raw,
    description: options.description,
  };
}

/** Shortest accepted shared secret: a short one can be guessed or brute-forced. */
export const SECRET_MIN_CHARS = 16;

export function secret(options: { unset?: string; description: string }): Setting<string | undefined> {
  return {
    ...optional(options),
    kind: "secret",
    minChars: SECRET_MIN_CHARS,
    parse: (raw, name) => {
      if (raw.length < SECRET_MIN_CHARS) {
        throw new ConfigError(
          `${name} is ${raw.length} characters: use at least ${SECRET_MIN_CHARS} (e.g. the output of \`openssl rand -base64 24\`)`,
        );
      }
      return raw;
    },
  };
}

function numberSetting(
  options: Options<number> & { min: number; max: number },
  integer: boolean,
): Setting<number> {
  const range: NumberRange = { min: options.min, max: options.max, integer };
  const kind = integer ? "an integer" : "a number";
  return {
    kind: "number",
    range,
    ...defaultOf(options.default),
    parse: (raw, name) => {
      const value = Number(raw);
      if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) {
        throw new ConfigError(
          `${name}=${JSON.stringify(raw)} is not ${kind}: set it to ${kind} between ${range.min} and ${range.max}`,
        );
      }
      if (value < range.min || value > range.max) {
        throw new ConfigError(`${name}=${raw} is out of range: set it between ${range.min} and ${range.max}`);
      }
      return value;
    },
    description: options.description,
  };
}

export function integer(options: Options<number> & { min: number; max: number }): Setting<number> {
  return numberSetting(options, true);
}

/** A number that may have a fraction (temperatures, thresholds, rates). */
export function decimal(options: Options<number> & { min: number; max: number }): Setting<number> {
  return numberSetting(options, false);
}

/** One of a few lower-case words; the variable's text is lower-cased first. */
export function choice<const C extends readonly string[]>(
  options: Options<C[number]> & { choices: C },
): Setting<C[number]> {
  return {
    kind: "choice",
    choices: options.choices,
    ...defaultOf(options.default),
    parse: (raw, name) => {
      const value = raw.toLowerCase();
      if (!(options.choices as readonly string[]).includes(value)) {
        throw new ConfigError(
          `${name}=${JSON.stringify(value)} is not valid: use one of ${options.choices.join(", ")}`,
        );
      }
      return value as C[number];
    },
    description: options.description,
  };
}

/** `true` or `false`. */
export function flag(options: Options<boolean>): Setting<boolean> {
  const words = choice({ choices: ["true", "false"], default: "true", description: options.description });
  return {
    ...words,
    ...defaultOf(options.default),
    parse: (raw, name, lookup) => words.parse(raw, name, lookup) === "true",
  };
}

const OBJECT_STORE_URI = /^(s3|s3\+ddb|gs|az|memory):\/\//i;

export function isObjectStoreUri(location: string): boolean {
  return OBJECT_STORE_URI.test(location);
}

/** A local folder, resolved against the working directory; with `objectStore`, s3:// gs:// az:// pass as is. */
export function location(options: Options<string> & { objectStore?: boolean }): Setting<string> {
  const parse = (raw: string, name: string): string => {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
      if (options.objectStore && isObjectStoreUri(raw)) return raw;
      throw new ConfigError(
        `${name}=${raw} uses an unsupported scheme: give a local folder${options.objectStore ? " or an s3://, gs:// or az:// URI" : ""}`,
      );
    }
    return resolve(raw);
  };
  return {
    kind: "location",
    ...defaultOf(options.default, (literal) => parse(literal, "default")),
    parse,
    description: options.description,
  };
}

/** A local file, resolved against the working directory; `none` means no file (undefined). */
export function file(options: Options<string | undefined>): Setting<string | undefined> {
  return {
    kind: "file",
    ...defaultOf(options.default),
    parse: (raw) => (raw === "none" ? undefined : resolve(raw)),
    description: options.description,
  };
}

/** An IANA time zone name such as Asia/Taipei. */
export function timeZone(options: Options<string>): Setting<string> {
  return {
    kind: "time-zone",
    ...defaultOf(options.default),
    parse: (raw, name) => {
      try {
        new Intl.DateTimeFormat("en-US", { timeZone: raw });
      } catch {
        throw new ConfigError(`${name}=${raw} is not an IANA time zone: use e.g. Asia/Taipei`);
      }
      return raw;
    },
    description: options.description,
  };
}

/** A .gguf path (resolved), an hf: URI, an http(s):// URL, or `none`. */
export function chatModel(options: Options<string>): Setting<string> {
  const parse = (raw: string, name: string): string => {
    if (raw === "none" || raw === "auto") return raw;
    if (!raw.startsWith("hf:") && !raw.toLowerCase().endsWith(".gguf")) {
      throw new ConfigError(
        `${name}=${raw} is not usable: pass a .gguf path, an hf: URI, an https:// URL of a .gguf, auto or none`,
      );
    }
    return /^(hf:|https?:\/\/)/.test(raw) ? raw : resolve(raw);
  };
  return {
    kind: "model",
    ...defaultOf(options.default, (literal) => parse(literal, "default")),
    parse,
    description: options.description,
  };
}

/**
 * An http(s) base URL that only matters, and is only checked, while `when` holds (otherwise the value
 * is ""); while it holds, leaving it unset is an error.
 */
export function httpUrl(options: {
  when: { name: string; is: string };
  example: string;
  description: string;
}): Setting<string> {
  const { when, example } = options;
  const needed = (lookup: Lookup) => lookup(when.name) === when.is;
  return {
    kind: "url",
    documentedDefault: "unset",
    default: (lookup, name) => {
      if (!needed(lookup)) return "";
      throw new ConfigError(`${when.name}=${when.is} needs ${name}, e.g. ${example}`);
    },
    parse: (raw, name, lookup) => {
      if (!needed(lookup)) return "";
      try {
        const url = new URL(raw);
        if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("scheme");
      } catch {
        throw new ConfigError(`${name}=${raw} is not an http(s) URL: use e.g. ${example}`);
      }
      return raw;
    },
    description: options.description,
  };
}

/** A duration written like `30m`, `6h` or `1d`; the value is in milliseconds. */
export function duration(options: { default: string; description: string }): Setting<number> {
  return {
    kind: "duration",
    default: () => parseDuration(options.default) ?? 0,
    documentedDefault: `\`${options.default}\``,
    parse: (raw, name) => {
      const value = parseDuration(raw);
      if (value === undefined)
        throw new ConfigError(`${name} must be a duration like 30m, 6h or 1d, got "${raw}"`);
      return value;
    },
    description: options.description,
  };
}
