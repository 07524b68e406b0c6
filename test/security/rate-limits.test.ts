/**
 * Abuse of the public API: questions per client address (429 + Retry-After, nothing written),
 * the address the edge Worker signs, brute-force throttling of admin logins, and secrets too short
 * to start with. Real service on 127.0.0.1 (LanceDB, tiny models).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signClientAddress } from "../../src/client-address-signature.ts";
import { loadConfig } from "../../src/config.ts";
import { postChat, startTestService, type TestService } from "../helpers/service.ts";

const RELAY_SECRET = "relay-secret-for-rate-limit-tests-0123";
const INFERENCE_TOKEN = "inference-token-for-rate-limit-tests";

async function traceCount(service: TestService): Promise<number> {
  return (await service.service.traces.list({ limit: 1000 })).length;
}

describe("questions per client address", () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({
      env: {
        EMBED_MODEL: "none",
        HTTP_RATE_LIMIT_BURST: "3",
        HTTP_RATE_LIMIT_PER_MINUTE: "0.5",
        RELAY_SECRET,
        INFERENCE_TOKEN,
      },
    });
  });
  afterAll(async () => {
    await service?.close();
  });

  it("answers 429 with Retry-After past the burst, on both chat routes, and writes nothing for it", async () => {
    for (let index = 0; index < 2; index++) {
      expect((await postChat(service, { message: "你好", stream: false })).status).toBe(200);
    }
    const completion = await fetch(`${service.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ messages: [{ role: "user", content: "謝謝" }] }),
    });
    expect(completion.status).toBe(200);
    await completion.arrayBuffer();

    const tracesBefore = await traceCount(service);
    const refused = await postChat(service, { message: "top-p 是什麼？" });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("rate_limited");
    expect(body.error.message).toMatch(/try again in \d+ s/);

    const refusedOpenAi = await fetch(`${service.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ messages: [{ role: "user", content: "top-p 是什麼？" }] }),
    });
    expect(refusedOpenAi.status).toBe(429);
    expect(refusedOpenAi.headers.get("retry-after")).not.toBeNull();
    expect(((await refusedOpenAi.json()) as { error: { type: string; code: string } }).error).toMatchObject({
      type: "invalid_request_error",
      code: "rate_limited",
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await traceCount(service)).toBe(tracesBefore);
  });

  it("keys on the address the edge signs; an unsigned or badly signed one is ignored", async () => {
    const asEdge = async (address: string, secret = RELAY_SECRET) =>
      postChat(
        service,
        { message: "你好", stream: false },
        {
          headers: { "content-type": "application/json", ...(await signClientAddress(secret, address)) },
        },
      );
    for (let index = 0; index < 3; index++) expect((await asEdge("203.0.113.7")).status).toBe(200);
    expect((await asEdge("203.0.113.7")).status).toBe(429);
    expect((await asEdge("203.0.113.8")).status).toBe(200); // another student behind the same Worker
    // A forged signature falls back to the socket address, already over its budget in the test above.
    expect((await asEdge("203.0.113.9", "not-the-relay-secret-at-all")).status).toBe(429);
  });

  it("lets authorized raw inference through (another TA replica uses this one as its backend)", async () => {
    for (let index = 0; index < 5; index++) {
      const response = await fetch(`${service.url}/v1/chat/completions`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${INFERENCE_TOKEN}`,
          "x-ta-raw-inference": "1",
        },
        body: JSON.stringify({ messages: [{ role: "user", content: "hi" }], max_tokens: 2 }),
      });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    }
  });
});

describe("admin login brute force", () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({ env: { EMBED_MODEL: "none", ADMIN_LOGIN_MAX_FAILURES: "5" } });
  });
  afterAll(async () => {
    await service?.close();
  });

  const login = (token: string) =>
    fetch(`${service.url}/admin/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: service.url },
      body: new URLSearchParams({ token }).toString(),
      redirect: "manual",
    });

  it("refuses an address after 5 wrong tokens, even with the right one, until Retry-After", async () => {
    for (let index = 0; index < 5; index++) expect((await login(`wrong-token-${index}`)).status).toBe(401);
    const locked = await login(service.adminToken);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await locked.text()).toMatch(/too many wrong admin tokens/);
    const bearer = await fetch(`${service.url}/api/admin/traces`, {
      headers: { authorization: `Bearer ${service.adminToken}` },
    });
    expect(bearer.status).toBe(429);
    expect(((await bearer.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
    const oneTimeLink = await fetch(`${service.url}/admin/login?token=guessed-code`, { redirect: "manual" });
    expect(oneTimeLink.status).toBe(429);
  });
});

describe("secrets too short to be safe", () => {
  it.each(["ADMIN_TOKEN", "RELAY_SECRET", "INFERENCE_TOKEN"])("refuses to start with a short %s", (name) => {
    expect(() => loadConfig({ [name]: "short-secret-15" })).toThrow(
      new RegExp(`^${name} is 15 characters: use at least 16`),
    );
    expect(loadConfig({ [name]: "long-enough-secret-16" })).toBeDefined();
  });
});
