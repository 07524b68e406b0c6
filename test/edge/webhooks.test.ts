/**
 * The bundled Worker in workerd (Miniflare) in front of a recording origin on 127.0.0.1: LINE and
 * Discord signatures checked at the edge, quick answers, signed relays with the original headers.
 */
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { verifiedClientAddress } from "../../src/client-address-signature.ts";
import { verifyRelay } from "../../src/relay-signature.ts";
import {
  answerJson,
  bundleEdgeWorker,
  discordHeaders,
  type EdgeWorker,
  lineSignature,
  makeBundleDir,
  paddedLineBody,
  type RecordedRequest,
  type RecordingOrigin,
  readChunks,
  startEdgeWorker,
  startRecordingOrigin,
} from "./helpers.ts";

const RELAY_SECRET = "relay-secret-for-edge-tests-0123456789";
const LINE_CHANNEL_SECRET = "line-channel-secret-0123456789";

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function expectValidRelay(request: RecordedRequest) {
  const check = await verifyRelay(RELAY_SECRET, {
    timestamp: (request.headers["x-relay-timestamp"] as string | undefined) ?? null,
    signature: (request.headers["x-relay-signature"] as string | undefined) ?? null,
    platform: request.path.replace("/internal/relay/", ""),
    body: new Uint8Array(request.body),
  });
  expect(check.ok).toBe(true);
}

const outdir = makeBundleDir();
let scriptPath = "";
beforeAll(async () => {
  ({ scriptPath } = await bundleEdgeWorker(outdir));
});
afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
});

describe("edge relay in workerd", () => {
  let origin: RecordingOrigin;
  let edge: EdgeWorker;
  let discordKey: KeyObject;

  beforeAll(async () => {
    origin = await startRecordingOrigin();
    const keys = generateKeyPairSync("ed25519");
    discordKey = keys.privateKey;
    const publicKeyHex = Buffer.from(keys.publicKey.export({ format: "jwk" }).x!, "base64url").toString(
      "hex",
    );
    edge = await startEdgeWorker(scriptPath, {
      ORIGIN_URL: origin.url,
      RELAY_SECRET,
      LINE_CHANNEL_SECRET,
      DISCORD_PUBLIC_KEY: publicKeyHex,
      DISCORD_ORIGIN_WAIT_MS: "500",
      DISCORD_API_BASE: `${origin.url}/discord-api`,
    });
  });
  afterAll(async () => {
    await edge?.dispose();
    await origin?.close();
  });
  beforeEach(() => {
    origin.requests.length = 0;
    origin.respond = answerJson({});
  });

  describe("POST /webhooks/line", () => {
    const body = JSON.stringify({
      destination: "U0123",
      events: [{ type: "message", webhookEventId: "01H", message: { type: "text", text: "什麼是 top-p？" } }],
    });

    it("answers 200 at once and relays the exact event, signed, with the LINE signature", async () => {
      origin.respond = answerJson({}, 200, 1500);
      const started = Date.now();
      const response = await edge.fetch("/webhooks/line", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-line-signature": lineSignature(LINE_CHANNEL_SECRET, body),
        },
        body,
      });
      const answeredAfter = Date.now() - started;
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({});
      expect(answeredAfter).toBeLessThan(1000);

      const relayed = await origin.waitFor((request) => request.path === "/internal/relay/line");
      expect(relayed.method).toBe("POST");
      expect(relayed.body.toString("utf8")).toBe(body);
      expect(relayed.headers["x-line-signature"]).toBe(lineSignature(LINE_CHANNEL_SECRET, body));
      expect(relayed.headers["content-type"]).toBe("application/json");
      expect(Number(relayed.headers["x-relay-timestamp"])).toBeCloseTo(Date.now() / 1000, -1);
      await expectValidRelay(relayed);
    });

    it("takes a body up to the origin's BODY_MAX_BYTES default and refuses a larger one with 413, unrelayed", async () => {
      const post = (size: number) => {
        const padded = paddedLineBody([], size);
        return edge.fetch("/webhooks/line", {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-line-signature": lineSignature(LINE_CHANNEL_SECRET, padded),
          },
          body: padded,
        });
      };
      const tooLarge = await post(65_537);
      expect(tooLarge.status).toBe(413);
      expect(((await tooLarge.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
      await sleep(300);
      expect(origin.requests).toEqual([]);

      const atLimit = await post(65_536);
      expect(atLimit.status).toBe(200);
      const relayed = await origin.waitFor((request) => request.path === "/internal/relay/line");
      expect(relayed.body.length).toBe(65_536);
      await expectValidRelay(relayed);
    });

    it("refuses a bad or missing signature with 401 and relays nothing", async () => {
      const wrong = await edge.fetch("/webhooks/line", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-line-signature": lineSignature("other-secret", body),
        },
        body,
      });
      expect(wrong.status).toBe(401);
      const tampered = await edge.fetch("/webhooks/line", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-line-signature": lineSignature(LINE_CHANNEL_SECRET, body),
        },
        body: body.replace("top-p", "top-k"),
      });
      expect(tampered.status).toBe(401);
      const missing = await edge.fetch("/webhooks/line", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      expect(missing.status).toBe(401);
      expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
      await sleep(300);
      expect(origin.requests).toEqual([]);
    });
  });

  describe("POST /webhooks/discord", () => {
    const ask = JSON.stringify({
      type: 2,
      id: "1234",
      application_id: "app-1",
      token: "interaction-token",
      channel_id: "c-1",
      member: { user: { id: "u-1" } },
      data: { name: "ask", options: [{ name: "question", value: "什麼是 top-p？" }] },
    });

    it("answers PING with PONG at the edge, relaying nothing", async () => {
      const body = JSON.stringify({ type: 1, id: "ping", application_id: "app-1" });
      const response = await edge.fetch("/webhooks/discord", {
        method: "POST",
        headers: discordHeaders(discordKey, body),
        body,
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ type: 1 });
      await sleep(200);
      expect(origin.requests).toEqual([]);
    });

    it("refuses a bad, tampered or missing Ed25519 signature with 401", async () => {
      const body = JSON.stringify({ type: 1 });
      const otherKey = generateKeyPairSync("ed25519").privateKey;
      const wrongKey = await edge.fetch("/webhooks/discord", {
        method: "POST",
        headers: discordHeaders(otherKey, body),
        body,
      });
      expect(wrongKey.status).toBe(401);
      const headers = discordHeaders(discordKey, body);
      const tampered = await edge.fetch("/webhooks/discord", { method: "POST", headers, body: ask });
      expect(tampered.status).toBe(401);
      const otherTime = await edge.fetch("/webhooks/discord", {
        method: "POST",
        headers: {
          ...headers,
          "x-signature-timestamp": String(Number(headers["x-signature-timestamp"]) + 1),
        },
        body,
      });
      expect(otherTime.status).toBe(401);
      const missing = await edge.fetch("/webhooks/discord", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      expect(missing.status).toBe(401);
      await sleep(200);
      expect(origin.requests).toEqual([]);
    });

    it("answers /ask with the origin's deferred response within 3 s and relays it signed", async () => {
      origin.respond = answerJson({ type: 5 });
      const headers = discordHeaders(discordKey, ask);
      const started = Date.now();
      const response = await edge.fetch("/webhooks/discord", { method: "POST", headers, body: ask });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ type: 5 });
      expect(Date.now() - started).toBeLessThan(3000);

      const relayed = await origin.waitFor((request) => request.path === "/internal/relay/discord");
      expect(relayed.body.toString("utf8")).toBe(ask);
      expect(relayed.headers["x-signature-ed25519"]).toBe(headers["x-signature-ed25519"]);
      expect(relayed.headers["x-signature-timestamp"]).toBe(headers["x-signature-timestamp"]);
      await expectValidRelay(relayed);
    });

    it("passes through an immediate origin message (e.g. a rate-limit notice) that arrives in time", async () => {
      const notice = { type: 4, data: { content: "Please wait a moment.", flags: 64 } };
      origin.respond = answerJson(notice);
      const response = await edge.fetch("/webhooks/discord", {
        method: "POST",
        headers: discordHeaders(discordKey, ask),
        body: ask,
      });
      expect(await response.json()).toEqual(notice);
    });

    it("defers at the edge when the origin is slow, then edits the deferred message with a late answer", async () => {
      origin.respond = async (request, response) => {
        if (request.path.startsWith("/discord-api/")) return answerJson({ id: "m-1" })(request, response);
        return answerJson(
          { type: 4, data: { content: "late notice", flags: 64 } },
          200,
          1500,
        )(request, response);
      };
      const started = Date.now();
      const response = await edge.fetch("/webhooks/discord", {
        method: "POST",
        headers: discordHeaders(discordKey, ask),
        body: ask,
      });
      expect(await response.json()).toEqual({ type: 5 });
      expect(Date.now() - started).toBeLessThan(1400);

      const edit = await origin.waitFor((request) => request.path.startsWith("/discord-api/"));
      expect(edit.method).toBe("PATCH");
      expect(edit.path).toBe("/discord-api/webhooks/app-1/interaction-token/messages/@original");
      expect(JSON.parse(edit.body.toString("utf8"))).toEqual({ content: "late notice" });
    });

    it("tells the user the assistant is unavailable when the origin refuses the relay", async () => {
      origin.respond = answerJson({ error: { code: "unauthorized", message: "stale relay timestamp" } }, 401);
      const response = await edge.fetch("/webhooks/discord", {
        method: "POST",
        headers: discordHeaders(discordKey, ask),
        body: ask,
      });
      const answer = (await response.json()) as { type: number; data: { content: string; flags: number } };
      expect(answer.type).toBe(4);
      expect(answer.data.flags).toBe(64);
      expect(answer.data.content).toMatch(/unavailable/);
      expect(edge.logs.some((line) => line.includes("origin answered 401"))).toBe(true);
    });
  });

  describe("proxy", () => {
    it("streams an origin response through without buffering it", async () => {
      origin.respond = async (_request, response) => {
        response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
        response.write("event: first\ndata: {}\n\n");
        await sleep(800);
        response.end("event: last\ndata: {}\n\n");
      };
      const response = await edge.fetch("/api/slow?x=1", { method: "POST", body: "{}" });
      expect(response.headers.get("content-type")).toBe("text/event-stream");
      const chunks = await readChunks(response);
      const first = chunks.find((chunk) => chunk.text.includes("event: first"))!;
      const last = chunks.find((chunk) => chunk.text.includes("event: last"))!;
      expect(first.text).not.toContain("event: last");
      expect(last.at - first.at).toBeGreaterThan(500);
      expect(origin.requests[0]).toMatchObject({ method: "POST", path: "/api/slow?x=1" });
      expect(origin.requests[0]!.body.toString()).toBe("{}");
    });

    it("forwards the client's address signed under RELAY_SECRET, never one the client wrote", async () => {
      origin.respond = answerJson({ ok: true });
      const response = await edge.fetch("/api/chat", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "cf-connecting-ip": "203.0.113.7",
          "x-ta-client-address": "10.9.8.7",
          "x-ta-client-timestamp": String(Math.floor(Date.now() / 1000)),
          "x-ta-client-signature": "0".repeat(64),
        },
        body: "{}",
      });
      expect(response.status).toBe(200);
      const headers = new Headers(origin.requests[0]!.headers as Record<string, string>);
      const address = await verifiedClientAddress(RELAY_SECRET, headers);
      expect(address).toBeDefined();
      expect(address).not.toBe("10.9.8.7");
      expect(address).toBe(headers.get("x-forwarded-for"));
      expect(await verifiedClientAddress("another-relay-secret-0123", headers)).toBeUndefined();
    });

    it("does not expose the origin's internal relay route", async () => {
      const response = await edge.fetch("/internal/relay/line", { method: "POST", body: "{}" });
      expect(response.status).toBe(404);
      expect(origin.requests).toEqual([]);
    });
  });
});

describe("edge relay misconfigured or cut off from the origin", () => {
  let edge: EdgeWorker;
  beforeAll(async () => {
    // A port nothing listens on: take one from a closed recording server.
    const closed = await startRecordingOrigin();
    await closed.close();
    edge = await startEdgeWorker(scriptPath, { ORIGIN_URL: closed.url, LINE_CHANNEL_SECRET });
  });
  afterAll(async () => {
    await edge?.dispose();
  });

  it("answers 502 for proxied routes when the origin is unreachable", async () => {
    const response = await edge.fetch("/v1/models");
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("bad_gateway");
  });

  it("answers 503 for webhooks without RELAY_SECRET", async () => {
    const response = await edge.fetch("/webhooks/line", { method: "POST", body: "{}" });
    expect(response.status).toBe(503);
    expect(await response.text()).toContain("RELAY_SECRET");
  });
});
