/** Checking the staff API's JSON bodies: every problem is a 400 naming the field. Pure. */
import { AppError } from "../errors.ts";

export const QUESTION_MAX_CHARS = 1000;
export const ANSWER_MAX_CHARS = 4000;
const SOURCES_MAX = 10;
const TITLE_MAX_CHARS = 200;

function fail(message: string): never {
  throw new AppError(message, "bad_request");
}

/** A required non-empty text of at most `max` characters, trimmed. */
export function readText(body: Record<string, unknown>, field: string, max: number): string {
  const value = body[field];
  if (typeof value !== "string" || value.trim() === "") fail(`${field} must be a non-empty string`);
  if ([...value].length > max) fail(`${field} is too long: at most ${max} characters`);
  return value.trim();
}

export function readOptionalText(
  body: Record<string, unknown>,
  field: string,
  max: number,
): string | undefined {
  return body[field] === undefined ? undefined : readText(body, field, max);
}

export interface SourceInput {
  title: string;
  link: string;
}

/** `sources`: up to 10 {title, link}; a link must be http(s). */
export function readSources(body: Record<string, unknown>): SourceInput[] | undefined {
  const value = body["sources"];
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) fail("sources must be an array of {title, link}");
  if (value.length > SOURCES_MAX) fail(`sources may hold at most ${SOURCES_MAX} entries`);
  return value.map((entry, index) => {
    if (typeof entry !== "object" || entry === null)
      fail(`sources[${index}] must be an object {title, link}`);
    const { title = "", link = "" } = entry as Record<string, unknown>;
    if (typeof title !== "string" || [...title].length > TITLE_MAX_CHARS)
      fail(`sources[${index}].title must be a string of at most ${TITLE_MAX_CHARS} characters`);
    if (typeof link !== "string" || (link !== "" && !/^https?:\/\/[^\s]+$/i.test(link)))
      fail(`sources[${index}].link must be an http(s) URL`);
    if (title.trim() === "" && link === "") fail(`sources[${index}] needs a title or a link`);
    return { title: title.trim(), link };
  });
}

/** `expiresAt`: an ISO date or date-time, "" or null for never; undefined when absent. */
export function readExpiry(body: Record<string, unknown>): string | undefined {
  const value = body["expiresAt"];
  if (value === undefined) return undefined;
  if (value === null || value === "") return "";
  if (typeof value !== "string" || Number.isNaN(Date.parse(value)))
    fail("expiresAt must be an ISO date such as 2027-01-31, or null for never");
  return new Date(value).toISOString();
}

export function readStatus(body: Record<string, unknown>): "active" | "retired" | undefined {
  const value = body["status"];
  if (value === undefined) return undefined;
  if (value !== "active" && value !== "retired") fail('status must be "active" or "retired"');
  return value;
}

export function readOptionalId(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string" || value.length > 200) fail(`${field} must be a string id`);
  return value;
}

/** The sources textarea of the admin forms: one per line, "title | https://link" or just the link. */
export function parseSourceLines(text: string): SourceInput[] {
  const entries = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const bar = line.lastIndexOf("|");
      if (bar >= 0) return { title: line.slice(0, bar).trim(), link: line.slice(bar + 1).trim() };
      return /^https?:\/\//i.test(line) ? { title: "", link: line } : { title: line, link: "" };
    });
  return readSources({ sources: entries }) ?? [];
}
