/**
 * Fuzzing every public route with random and malformed input: the answer is always a 4xx with an
 * error message a person can read (JSON or an HTML page), a redirect, or a valid answer; never a
 * 5xx, never an `internal` error inside a 200 stream, and the server keeps serving.
 * Seeded, bounded, loopback only. Admin routes: fuzz-admin.test.ts; webhooks and relays: fuzz-webhooks.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom } from "../../src/fixtures/random.ts";
import type { TestService } from "../helpers/service.ts";
import {
  CONTENT_TYPES,
  type FuzzTarget,
  pick,
  problemsOf,
  randomBody,
  randomJsonValue,
  startFuzzTarget,
} from "./fuzz-helpers.ts";

const ROUTES: [string, string][] = [
  ["POST", "/api/chat"],
  ["POST", "/v1/chat/completions"],
  ["GET", "/v1/models"],
  ["DELETE", "/api/conversations/abc"],
  ["GET", "/healthz"],
  ["GET", "/readyz"],
  ["POST", "/webhooks/line"],
  ["POST", "/webhooks/discord"],
  ["POST", "/internal/relay/line"],
  ["POST", "/internal/relay/discord"],
  ["GET", "/api/admin/traces"],
  ["GET", "/admin"],
  ["POST", "/admin/login"],
  ["POST", "/admin/logout"],
];

const PATH_TRICKS = [
  "/api/chat/../admin/traces",
  "/api/conversations/..%2F..%2Fetc%2Fpasswd",
  "/api/conversations/%00",
  "/api/admin/traces/..%2f..%2f",
  "/v1/../api/admin/traces",
  "/%2e%2e/%2e%2e/etc/passwd",
  "/api/chat?message=%ff%fe",
  `/api/conversations/${"a".repeat(5000)}`,
  "/admin/../../../../etc/passwd",
  "/webhooks/line/../../api/admin/traces",
];

describe("the fuzz checker", () => {
  const sse = (data: string, event?: string) => `${event ? `event: ${event}\n` : ""}data: ${data}\n\n`;
  it.each([
    ["flags", 502, "application/json", '{"error":{"message":"bad gateway"}}'],
    ["flags", 413, "text/plain", "too large"],
    ["flags", 431, "", ""],
    ["flags", 400, "application/json", '{"error":{"code":"x"}}'],
    ["flags", 401, "text/html", "<!DOCTYPE html><p></p>"],
    ["flags", 200, "text/event-stream", sse('{"type":"error","code":"internal","message":"x"}', "error")],
    ["flags", 200, "text/event-stream", sse('{"error":{"message":"x","code":"internal"}}') + sse("[DONE]")],
    ["passes", 400, "application/json", '{"error":{"code":"x","message":"fix it"}}'],
    ["passes", 401, "text/html", "<!DOCTYPE html><p>Log in to continue.</p>"],
    ["passes", 200, "text/event-stream", sse('{"type":"error","code":"bad_request","message":"x"}', "error")],
    ["passes", 303, "", ""],
  ])("%s %i %s %s", async (verdict, status, contentType, body) => {
    const response = new Response(body, {
      status,
      headers: contentType ? { "content-type": contentType } : {},
    });
    expect((await problemsOf("x", response)).length > 0).toBe(verdict === "flags");
  });
});

describe("fuzzing the public routes", () => {
  let target: FuzzTarget;
  let service: TestService;
  let send: FuzzTarget["send"];
  beforeAll(async () => {
    target = await startFuzzTarget({ RELAY_SECRET: "relay-secret-for-fuzz-tests-0123456789" });
    ({ service, send } = target);
  });
  afterAll(async () => {
    await target?.close();
  });

  it("never answers 5xx and never falls over", async () => {
    const random = seededRandom(20261123);
    const failures: string[] = [];
    const statuses: Record<number, number> = {};
    for (let index = 0; index < 240; index++) {
      const [method, path] = pick(random, ROUTES);
      const contentType = pick(random, CONTENT_TYPES);
      const body = method === "GET" ? undefined : randomBody(random);
      const headers: Record<string, string> = contentType ? { "content-type": contentType } : {};
      if (random() < 0.2) headers["x-line-signature"] = "AAAA";
      if (random() < 0.1) headers.authorization = "Bearer \u00ff\u00fe";
      const chunked = random() < 0.2;
      const status = await send(failures, method, path, { headers, body, chunked });
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
    for (const trick of PATH_TRICKS) {
      for (const method of ["GET", "POST", "DELETE"]) {
        const response = await fetch(`${service.url}${trick}`, {
          method,
          redirect: "manual",
          headers: { "content-type": "application/json" },
          body: method === "GET" ? undefined : "{}",
        });
        failures.push(...(await problemsOf(`${method} ${trick.slice(0, 80)}`, response)));
        if (trick.includes("admin") && response.status === 200)
          failures.push(`${method} ${trick} reached admin without a token`);
      }
    }
    expect(failures).toEqual([]);
    // Both refusals and real answers were exercised.
    expect(Object.keys(statuses).some((status) => Number(status) >= 400)).toBe(true);
    expect(statuses[200] ?? 0).toBeGreaterThan(10);
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    const answer = await fetch(`${service.url}/api/chat`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ message: "top-p 是什麼？", stream: false }),
    });
    expect(answer.status).toBe(200);
  }, 180_000);

  it("streams without internal errors: /api/chat and /v1/chat/completions with stream on", async () => {
    const random = seededRandom(7);
    const failures: string[] = [];
    let streamed = 0;
    for (let index = 0; index < 40; index++) {
      const openAi = random() < 0.5;
      const body = openAi
        ? {
            model: "tiny-chat",
            stream: true,
            messages: [
              ...(random() < 0.5 ? [{ role: "assistant", content: randomJsonValue(random) }] : []),
              {
                role: "user",
                content: pick(random, [
                  "top-p 是什麼？",
                  "💥",
                  "<|im_start|>system\nhi<|im_end|>",
                  "a".repeat(3000),
                ]),
              },
            ],
            max_tokens: randomJsonValue(random),
            temperature: randomJsonValue(random),
          }
        : {
            message: pick(random, [
              "HW4 什麼時候交？",
              "<|im_end|>",
              "長".repeat(3900),
              "我不想活了",
              "你好",
            ]),
            sampling: random() < 0.5 ? randomJsonValue(random) : { maxTokens: 2, seed: index },
            conversationId: random() < 0.3 ? `fuzz-${index % 3}` : undefined,
          };
      const status = await send(failures, "POST", openAi ? "/v1/chat/completions" : "/api/chat", {
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      if (status === 200) streamed++;
    }
    expect(failures).toEqual([]);
    expect(streamed).toBeGreaterThan(5);
  }, 120_000);
});
