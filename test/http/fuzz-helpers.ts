/**
 * Shared by the fuzz tests: seeded random input, a target service with a request helper, and the
 * check every answer must pass (no 5xx; a 4xx carries a JSON or HTML error message; no `internal`
 * error event inside a 200 stream).
 */
import { expect } from "vitest";
import { startTestService, type TestService } from "../helpers/service.ts";

export const CONTENT_TYPES = [
  "application/json",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data",
  "",
  "application/json; charset=latin1",
  "application/xml",
];

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

export function randomJsonValue(random: () => number, depth = 0): unknown {
  const choice = Math.floor(random() * (depth > 2 ? 5 : 8));
  switch (choice) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2:
      return pick(random, [0, -1, 1e308, -0, 3.5, 2 ** 53 + 1, Number.MAX_SAFE_INTEGER]);
    case 3:
      return pick(random, [
        "",
        " ",
        "為什麼？",
        "\u0000",
        "\ud800",
        "<script>",
        "💥".repeat(50),
        "a".repeat(5000),
      ]);
    case 4:
      return "top-p 是什麼";
    case 5:
      return Array.from({ length: Math.floor(random() * 4) }, () => randomJsonValue(random, depth + 1));
    default: {
      const keys = [
        "message",
        "messages",
        "stream",
        "sampling",
        "conversationId",
        "temperature",
        "topP",
        "role",
        "content",
        "model",
        "max_tokens",
        "type",
        "events",
        "data",
        "prompt",
        "topN",
        "chatTemplate",
        "__proto__",
        "constructor",
      ];
      const object: Record<string, unknown> = {};
      for (let index = 0; index < 1 + Math.floor(random() * 4); index++) {
        object[pick(random, keys)] = randomJsonValue(random, depth + 1);
      }
      return object;
    }
  }
}

export function randomBody(random: () => number): Uint8Array | string {
  const kind = Math.floor(random() * 9);
  if (kind === 0) return JSON.stringify(randomJsonValue(random));
  if (kind === 1) return JSON.stringify(randomJsonValue(random)).slice(0, Math.floor(random() * 20));
  if (kind === 2) return new Uint8Array(Array.from({ length: 64 }, () => Math.floor(random() * 256)));
  if (kind === 3) return new Uint8Array([0x7b, 0x22, 0x6d, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0xff, 0x22, 0x7d]);
  if (kind === 4) return `{"message":"${"長".repeat(30_000)}"}`;
  if (kind === 5)
    return JSON.stringify({ message: "HW4 什麼時候交？", sampling: randomJsonValue(random), stream: false });
  // Huge (over BODY_MAX_BYTES: a 413 that may arrive mid-upload), or just under the limit and
  // malformed (refused before it is read): either way the connection must stay usable.
  if (kind === 6) return new Uint8Array(pick(random, [100_000, 700_000, 3_000_000])).fill(0x7b);
  if (kind === 7) return `{"message":"${"\u00ff".repeat(20_000)}${"x".repeat(Math.floor(random() * 5000))}`;
  return JSON.stringify({ messages: [{ role: "user", content: randomJsonValue(random) }], max_tokens: 2 });
}

/**
 * Collects what a response breaks: a 5xx, a 4xx without a readable JSON or HTML error message, or
 * a 200 stream carrying an `internal` error event. Always reads the whole body.
 */
export async function problemsOf(label: string, response: Response): Promise<string[]> {
  const status = response.status;
  const contentType = response.headers.get("content-type") ?? "";
  const text = new TextDecoder().decode(await response.arrayBuffer());
  const problems: string[] = [];
  if (status >= 500) problems.push(`${label} -> ${status}: ${text.slice(0, 200)}`);
  if (status >= 400 && status < 500) {
    if (contentType.includes("application/json")) {
      let message: unknown;
      try {
        message = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message;
      } catch {
        message = undefined;
      }
      if (typeof message !== "string" || message.trim().length < 3)
        problems.push(`${label} -> ${status} JSON without error.message: ${text.slice(0, 200)}`);
    } else if (contentType.includes("text/html")) {
      const visible = text
        .replace(/<(script|style)[\s\S]*?<\/\1>/gi, "")
        .replace(/<[^>]*>/g, " ")
        .replace(/\s+/g, " ")
        .trim();
      if (!/^<!doctype html>/i.test(text) || visible.length < 3)
        problems.push(`${label} -> ${status} HTML without a message: ${text.slice(0, 200)}`);
    } else {
      problems.push(`${label} -> ${status} with ${contentType || "no content type"}: ${text.slice(0, 200)}`);
    }
  }
  if (status === 200 && contentType.includes("text/event-stream")) {
    for (const block of text.split(/\n\n/)) {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
      const data = block
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trim())
        .join("\n");
      if (data === "" || data === "[DONE]") continue;
      let parsed: { code?: unknown; error?: { code?: unknown } };
      try {
        parsed = JSON.parse(data);
      } catch {
        problems.push(`${label} -> stream event that is not JSON: ${data.slice(0, 100)}`);
        continue;
      }
      if ((event === "error" && parsed.code === "internal") || parsed.error?.code === "internal")
        problems.push(`${label} -> internal error inside a 200 stream: ${data.slice(0, 200)}`);
    }
  }
  return problems;
}

export interface FuzzTarget {
  service: TestService;
  /**
   * Sends one request (redirects not followed), reads the whole answer and adds what it breaks to
   * `failures`, with the server's log line for a 5xx, or the error when no answer came back (a
   * dropped connection, oversized upload or not). Returns the status, 0 when nothing came back.
   */
  send(failures: string[], method: string, path: string, init?: FuzzRequest): Promise<number>;
  /** A fresh admin session cookie ("ta_admin=…"), from the login form. */
  logIn(): Promise<string>;
  close(): Promise<void>;
}

export interface FuzzRequest {
  headers?: Record<string, string>;
  body?: string | Uint8Array | FormData;
  /** Send a string or byte body as a stream: chunked, with no Content-Length. */
  chunked?: boolean;
}

/** A body as a stream of 16 KiB chunks (fetch sends it chunked). */
function streamOf(body: string | Uint8Array): ReadableStream<Uint8Array> {
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + 16_384));
      offset += 16_384;
    },
  });
}

/** The real service with the tiny models, answers capped at a few tokens to keep fuzzing quick. */
export async function startFuzzTarget(env: Record<string, string> = {}): Promise<FuzzTarget> {
  const service = await startTestService({ env: { LLM_MAX_TOKENS: "4", ...env } });
  async function logIn(): Promise<string> {
    const login = await fetch(`${service.url}/admin/login`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: service.url },
      body: new URLSearchParams({ token: service.adminToken }).toString(),
    });
    expect(login.status).toBe(303);
    const cookie = /^(ta_admin=[^;]+)/.exec(login.headers.get("set-cookie") ?? "")?.[1] ?? "";
    expect(cookie).not.toBe("");
    return cookie;
  }

  async function send(
    failures: string[],
    method: string,
    path: string,
    init: FuzzRequest = {},
  ): Promise<number> {
    const size = typeof init.body === "string" || init.body instanceof Uint8Array ? init.body.length : 0;
    const label = `${method} ${path.slice(0, 120)} ${JSON.stringify(init.headers ?? {}).slice(0, 160)} ${size}${init.chunked ? " chunked" : ""}`;
    try {
      const streamed = init.chunked && (typeof init.body === "string" || init.body instanceof Uint8Array);
      const response = await fetch(`${service.url}${path}`, {
        method,
        redirect: "manual",
        headers: init.headers,
        body: streamed ? streamOf(init.body as string | Uint8Array) : (init.body as BodyInit | undefined),
        ...(streamed ? { duplex: "half" } : {}),
      } as RequestInit);
      const problems = await problemsOf(label, response);
      if (response.status >= 500) {
        // The server's own log line for it (app.onError logs "METHOD /path: message").
        const pathname = new URL(response.url || `${service.url}${path}`).pathname;
        const logged = service.logs.findLast((line) => line.includes(`${method} ${pathname}:`));
        if (logged) problems.push(`  logged: ${logged.slice(0, 300)}`);
      }
      failures.push(...problems);
      return response.status;
    } catch (error) {
      const cause = (error as Error).cause as Error | undefined;
      failures.push(`${label}: ${(error as Error).message}${cause ? ` (${cause.message})` : ""}`);
      return 0;
    }
  }
  return { service, send, logIn, close: () => service.close() };
}
