/**
 * CORPUS_SOURCES: a YAML list of web sources, each `{url, title?, every?}` (or a bare URL string).
 * Parsing is pure; errors name the file, the entry and the field.
 */
import { readFile, rename, writeFile } from "node:fs/promises";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { parseDuration } from "../../duration.ts";
import { AppError, errorMessage } from "../../errors.ts";

export interface SourceEntry {
  url: string;
  title?: string;
  /** How often the running service re-checks it, in milliseconds. */
  everyMs: number;
  /** `every` as written (for the admin page and for writing the list back), or "" for the default. */
  every: string;
}

/** Only http: and https: URLs, without user names or passwords. Returns the normalized URL or a reason. */
export function checkSourceUrl(text: string): { url: string } | { problem: string } {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return { problem: `"${text}" is not a URL` };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return { problem: `"${text}" is not an http: or https: URL` };
  if (url.username || url.password) return { problem: `"${text}" has a user name or password in it` };
  url.hash = "";
  return { url: url.toString() };
}

/**
 * Parses the file's text. `defaultEveryMs` (SOURCES_SYNC_EVERY) applies where `every` is missing.
 * A duplicate URL, a bad URL or a bad `every` is an error naming the entry.
 */
export function parseSourceList(text: string, fileName: string, defaultEveryMs: number): SourceEntry[] {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new AppError(`${fileName} is not valid YAML: ${reason}`, "bad_request", error);
  }
  if (data === null || data === undefined) return [];
  if (!Array.isArray(data))
    throw new AppError(`${fileName} must be a YAML list of sources (- url: https://...)`, "bad_request");
  const seen = new Set<string>();
  return data.map((item, index) => {
    const where = `${fileName} entry ${index + 1}`;
    const record: Record<string, unknown> = typeof item === "string" ? { url: item } : (item ?? {});
    if (typeof record !== "object" || Array.isArray(record))
      throw new AppError(`${where} must be a URL or {url, title?, every?}`, "bad_request");
    if (typeof record.url !== "string" || !record.url.trim())
      throw new AppError(`${where}: url is missing`, "bad_request");
    const checked = checkSourceUrl(record.url);
    if ("problem" in checked) throw new AppError(`${where}: url ${checked.problem}`, "bad_request");
    if (seen.has(checked.url))
      throw new AppError(`${where}: url ${checked.url} is listed twice`, "bad_request");
    seen.add(checked.url);
    const every = record.every === undefined || record.every === null ? "" : String(record.every);
    const everyMs = every ? parseDuration(every) : defaultEveryMs;
    if (everyMs === undefined)
      throw new AppError(`${where}: every "${every}" is not a duration like 30m, 6h or 1d`, "bad_request");
    const entry: SourceEntry = { url: checked.url, everyMs, every };
    if (typeof record.title === "string" && record.title.trim()) entry.title = record.title.trim();
    return entry;
  });
}

/** The list as YAML again (for adding a source from the admin page). */
export function formatSourceList(entries: readonly SourceEntry[]): string {
  return stringifyYaml(
    entries.map((entry) => ({
      url: entry.url,
      ...(entry.title ? { title: entry.title } : {}),
      ...(entry.every ? { every: entry.every } : {}),
    })),
  );
}

/** Reads CORPUS_SOURCES; a file that does not exist yet is an empty list (the admin page can start it). */
export async function readSourceList(path: string, defaultEveryMs: number): Promise<SourceEntry[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new AppError(`CORPUS_SOURCES ${path} cannot be read: ${errorMessage(error)}`, "config_invalid");
  }
  return parseSourceList(text, `CORPUS_SOURCES ${path}`, defaultEveryMs);
}

/** Adds one source to the file (checked like the rest of the list); refuses a URL already listed. */
export async function appendSource(
  path: string,
  defaultEveryMs: number,
  addition: { url: string; title?: string; every?: string },
): Promise<SourceEntry> {
  const entries = await readSourceList(path, defaultEveryMs);
  const item: Record<string, string> = { url: addition.url.trim() };
  if (addition.title?.trim()) item.title = addition.title.trim();
  if (addition.every?.trim()) item.every = addition.every.trim();
  const [entry] = parseSourceList(stringifyYaml([item]), "the new source", defaultEveryMs);
  if (entries.some((existing) => existing.url === entry.url))
    throw new AppError(`${entry.url} is already a source`, "bad_request");
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, formatSourceList([...entries, entry]));
  await rename(temporary, path);
  return entry;
}
