/**
 * One HTTP GET of a web source, the careful way: conditional (ETag / If-Modified-Since), one deadline
 * for the whole exchange, a size limit enforced while reading, a few redirects (each checked again),
 * a clear user agent, and no internal addresses unless allowed.
 */
import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { errorMessage } from "../../errors.ts";
import { guardedLookup, isInternalAddress } from "./address-guard.ts";
import { checkSourceUrl } from "./source-list.ts";

export interface FetchOptions {
  timeoutMs: number;
  maxBytes: number;
  userAgent: string;
  allowPrivate: boolean;
  /** Default 5. */
  maxRedirects?: number;
}

export interface Validators {
  etag?: string;
  lastModified?: string;
}

export type FetchOutcome =
  | { kind: "not-modified"; finalUrl: string }
  | { kind: "missing"; status: number; finalUrl: string }
  | { kind: "ok"; finalUrl: string; body: Buffer; contentType: string; etag?: string; lastModified?: string };

/** A failure the summary names: the reason says what happened ("timed out after 10 s", "HTTP 500"). */
export class SourceFetchError extends Error {}

export async function fetchSource(
  url: string,
  validators: Validators,
  options: FetchOptions,
): Promise<FetchOutcome> {
  const deadline = AbortSignal.timeout(options.timeoutMs);
  let current = url;
  for (let hop = 0; hop <= (options.maxRedirects ?? 5); hop++) {
    const response = await requestOnce(current, validators, options, deadline);
    if (response.redirect) {
      const next = checkSourceUrl(new URL(response.redirect, current).toString());
      if ("problem" in next)
        throw new SourceFetchError(
          `redirected to ${response.redirect}, which ${next.problem.replace(/^"[^"]*" /, "")}`,
        );
      current = next.url;
      continue;
    }
    return { ...response.outcome, finalUrl: current } as FetchOutcome;
  }
  throw new SourceFetchError(`more than ${options.maxRedirects ?? 5} redirects`);
}

type Attempt =
  | { redirect: string; outcome?: undefined }
  | { redirect?: undefined; outcome: Omit<FetchOutcome, "finalUrl"> & Record<string, unknown> };

function requestOnce(
  url: string,
  validators: Validators,
  options: FetchOptions,
  deadline: AbortSignal,
): Promise<Attempt> {
  const target = new URL(url);
  const literal = target.hostname.replace(/^\[|\]$/g, "");
  if (!options.allowPrivate && isIP(literal) !== 0 && isInternalAddress(literal)) {
    return Promise.reject(
      new SourceFetchError(
        `${literal} is a private, loopback or link-local address (set SOURCES_ALLOW_PRIVATE=true to allow it)`,
      ),
    );
  }
  const headers: Record<string, string> = { "user-agent": options.userAgent, accept: "*/*" };
  if (validators.etag) headers["if-none-match"] = validators.etag;
  if (validators.lastModified) headers["if-modified-since"] = validators.lastModified;
  const client = target.protocol === "https:" ? https : http;
  return new Promise<Attempt>((resolve, reject) => {
    const fail = (error: unknown) => {
      if (deadline.aborted) reject(new SourceFetchError(`timed out after ${options.timeoutMs / 1000} s`));
      else reject(error instanceof SourceFetchError ? error : new SourceFetchError(describe(error)));
    };
    const request = client.get(
      target,
      { headers, signal: deadline, ...(options.allowPrivate ? {} : { lookup: guardedLookup }) },
      (response) => {
        const status = response.statusCode ?? 0;
        const header = (name: string) => {
          const value = response.headers[name];
          return Array.isArray(value) ? value[0] : value;
        };
        if (status >= 300 && status < 400 && status !== 304) {
          response.resume();
          const location = header("location");
          if (!location) return fail(new SourceFetchError(`HTTP ${status} without a Location`));
          return resolve({ redirect: location });
        }
        if (status === 304) {
          response.resume();
          return resolve({ outcome: { kind: "not-modified" } });
        }
        if (status === 404 || status === 410) {
          response.resume();
          return resolve({ outcome: { kind: "missing", status } });
        }
        if (status < 200 || status >= 300) {
          response.resume();
          return fail(new SourceFetchError(`HTTP ${status}`));
        }
        const declared = Number(header("content-length"));
        if (Number.isFinite(declared) && declared > options.maxBytes) {
          response.destroy();
          return fail(
            new SourceFetchError(`too large: ${declared} bytes (the limit is ${options.maxBytes})`),
          );
        }
        const parts: Buffer[] = [];
        let received = 0;
        response.on("data", (part: Buffer) => {
          received += part.length;
          if (received > options.maxBytes) {
            response.destroy();
            fail(new SourceFetchError(`too large: over ${options.maxBytes} bytes`));
            return;
          }
          parts.push(part);
        });
        response.on("error", fail);
        response.on("end", () => {
          if (received > options.maxBytes) return;
          resolve({
            outcome: {
              kind: "ok",
              body: Buffer.concat(parts),
              contentType: (header("content-type") ?? "").split(";")[0].trim().toLowerCase(),
              etag: header("etag"),
              lastModified: header("last-modified"),
            },
          });
        });
      },
    );
    request.on("error", fail);
  });
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const message = errorMessage(error);
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `DNS lookup failed (${message})`;
  if (code === "ECONNREFUSED") return `connection refused (${message})`;
  return message;
}
