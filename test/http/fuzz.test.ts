/**
 * Fuzzing every public route with random and malformed input: the answer is always a 4xx or a
 * valid answer, never a 5xx, and the server keeps serving. Seeded, bounded, loopback only.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom } from "../../src/fixtures/random.ts";
import { startTestService, type TestService } from "../helpers/service.ts";

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
  ["GET", "/api/admin/traces"],
  ["GET", "/admin"],
];

const CONTENT_TYPES = [
  "application/json",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data",
  "",
  "application/json; charset=latin1",
  "application/xml",
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

function randomJsonValue(random: () => number, depth = 0): unknown {
  const pick = Math.floor(random() * (depth > 2 ? 5 : 8));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2:
      return [0, -1, 1e308, -0, 3.5, 2 ** 53 + 1, Number.MAX_SAFE_INTEGER][Math.floor(random() * 7)];
    case 3:
      return ["", " ", "為什麼？", "\u0000", "\ud800", "<script>", "💥".repeat(50), "a".repeat(5000)][
        Math.floor(random() * 8)
      ];
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
        "__proto__",
        "constructor",
      ];
      const object: Record<string, unknown> = {};
      for (let index = 0; index < 1 + Math.floor(random() * 4); index++) {
        object[keys[Math.floor(random() * keys.length)]!] = randomJsonValue(random, depth + 1);
      }
      return object;
    }
  }
}

function randomBody(random: () => number): Uint8Array | string {
  const kind = Math.floor(random() * 7);
  if (kind === 0) return JSON.stringify(randomJsonValue(random));
  if (kind === 1) return JSON.stringify(randomJsonValue(random)).slice(0, Math.floor(random() * 20));
  if (kind === 2) return new Uint8Array(Array.from({ length: 64 }, () => Math.floor(random() * 256)));
  if (kind === 3) return new Uint8Array([0x7b, 0x22, 0x6d, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0xff, 0x22, 0x7d]);
  if (kind === 4) return `{"message":"${"長".repeat(30_000)}"}`;
  if (kind === 5)
    return JSON.stringify({ message: "HW4 什麼時候交？", sampling: randomJsonValue(random), stream: false });
  return JSON.stringify({ messages: [{ role: "user", content: randomJsonValue(random) }], max_tokens: 2 });
}

describe("fuzzing the public routes", () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ env: { LLM_MAX_TOKENS: "4" } });
  });
  afterAll(async () => {
    await service.close();
  });

  it("never answers 5xx and never falls over", async () => {
    const random = seededRandom(20261123);
    const failures: string[] = [];
    const statuses: Record<number, number> = {};
    for (let index = 0; index < 240; index++) {
      const [method, path] = ROUTES[Math.floor(random() * ROUTES.length)]!;
      const contentType = CONTENT_TYPES[Math.floor(random() * CONTENT_TYPES.length)]!;
      const body = method === "GET" ? undefined : randomBody(random);
      const headers: Record<string, string> = contentType ? { "content-type": contentType } : {};
      if (random() < 0.2) headers["x-line-signature"] = "AAAA";
      if (random() < 0.1) headers.authorization = "Bearer \u00ff\u00fe";
      try {
        const response = await fetch(`${service.url}${path}`, {
          method,
          headers,
          body: body as BodyInit | undefined,
        });
        await response.arrayBuffer();
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        if (response.status >= 500) failures.push(`${method} ${path} ${contentType} -> ${response.status}`);
      } catch (error) {
        failures.push(`${method} ${path}: ${(error as Error).message}`);
      }
    }
    for (const trick of PATH_TRICKS) {
      for (const method of ["GET", "POST", "DELETE"]) {
        const response = await fetch(`${service.url}${trick}`, {
          method,
          headers: { "content-type": "application/json" },
          body: method === "GET" ? undefined : "{}",
        });
        await response.arrayBuffer();
        if (response.status >= 500) failures.push(`${method} ${trick} -> ${response.status}`);
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
});
