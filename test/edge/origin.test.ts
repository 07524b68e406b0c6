/**
 * The bundled Worker in workerd in front of the REAL origin service on 127.0.0.1 (tiny generated
 * models, the LINE bot talking to a fake LINE API): the SSE chat stream and the OpenAI-compatible
 * API through the proxy, a LINE message answered end to end through the relay, and the origin's
 * relay HMAC check (Discord is not configured on this origin, so an accepted relay to it answers
 * 404 "not configured", while a refused one answers 401), and a second Worker whose relays pass
 * through a recording tap, to replay what an eavesdropper between edge and origin would capture.
 */
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RELAY_MAX_AGE_SECONDS, signRelay } from "../../src/relay-signature.ts";
import { type FakeLine, lineTextEvent, startFakeLine } from "../helpers/fake-line.ts";
import { startTestService, type TestService } from "../helpers/service.ts";
import {
  bundleEdgeWorker,
  discordHeaders,
  type EdgeWorker,
  lineSignature,
  makeBundleDir,
  paddedLineBody,
  type RecordingOrigin,
  startEdgeWorker,
  startRecordingOrigin,
} from "./helpers.ts";

const RELAY_SECRET = "relay-secret-for-edge-tests-0123456789";
const LINE_CHANNEL_SECRET = "line-channel-secret-0123456789";
const LINE_ACCESS_TOKEN = "line-access-token-for-edge-tests-0123456789";

async function postRelay(
  service: TestService,
  body: string,
  options: { timestamp?: number; signedBody?: string; secret?: string } = {},
) {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const signature = await signRelay(options.secret ?? RELAY_SECRET, {
    timestamp,
    platform: "discord",
    body: new TextEncoder().encode(options.signedBody ?? body),
  });
  const headers = {
    "content-type": "application/json",
    "x-relay-timestamp": timestamp,
    "x-relay-signature": signature,
  };
  return {
    response: await fetch(`${service.url}/internal/relay/discord`, { method: "POST", headers, body }),
    headers,
  };
}

async function errorOf(response: Response) {
  return ((await response.json()) as { error: { code: string; message: string } }).error;
}

describe("edge relay in front of the real origin", () => {
  const outdir = makeBundleDir();
  let service: TestService;
  let fakeLine: FakeLine;
  let edge: EdgeWorker;
  let discordKey: KeyObject;
  /** A Worker relaying through `tap`, which records each relay and passes it on to the origin. */
  let tappedEdge: EdgeWorker;
  let tap: RecordingOrigin;

  beforeAll(async () => {
    const keys = generateKeyPairSync("ed25519");
    discordKey = keys.privateKey;
    fakeLine = await startFakeLine();
    const [bundle, started] = await Promise.all([
      bundleEdgeWorker(outdir),
      startTestService({
        env: {
          RELAY_SECRET,
          LINE_CHANNEL_SECRET,
          LINE_CHANNEL_ACCESS_TOKEN: LINE_ACCESS_TOKEN,
          LINE_API_BASE_URL: fakeLine.baseUrl,
        },
      }),
    ]);
    service = started;
    edge = await startEdgeWorker(bundle.scriptPath, {
      ORIGIN_URL: service.url,
      RELAY_SECRET,
      LINE_CHANNEL_SECRET,
      DISCORD_PUBLIC_KEY: Buffer.from(keys.publicKey.export({ format: "jwk" }).x!, "base64url").toString(
        "hex",
      ),
    });
    tap = await startRecordingOrigin();
    tap.respond = async (request, response) => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers))
        if (typeof value === "string" && !["host", "connection", "content-length"].includes(name))
          headers.set(name, value);
      const answer = await fetch(`${service.url}${request.path}`, {
        method: request.method,
        headers,
        body: new Uint8Array(request.body),
      });
      response.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "" });
      response.end(Buffer.from(await answer.arrayBuffer()));
    };
    tappedEdge = await startEdgeWorker(bundle.scriptPath, {
      ORIGIN_URL: tap.url,
      RELAY_SECRET,
      LINE_CHANNEL_SECRET,
    });
  });
  afterAll(async () => {
    await tappedEdge?.dispose();
    await tap?.close();
    await edge?.dispose();
    await service?.close();
    await fakeLine?.close();
    rmSync(outdir, { recursive: true, force: true });
  });

  it("streams /api/chat SSE through the Worker: retrieval arrives before the stream ends", async () => {
    const response = await edge.fetch("/api/chat", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ message: "top-p 取樣是什麼？", sampling: { maxTokens: 24 } }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/text\/event-stream/);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    let textWhenRetrievalArrived: string | undefined;
    let reads = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      reads++;
      text += decoder.decode(value, { stream: true });
      if (textWhenRetrievalArrived === undefined && text.includes("event: retrieval")) {
        textWhenRetrievalArrived = text;
      }
    }
    expect(textWhenRetrievalArrived).toBeDefined();
    expect(textWhenRetrievalArrived).not.toContain("event: done");
    expect(reads).toBeGreaterThan(1);
    expect(text.indexOf("event: retrieval")).toBeLessThan(text.indexOf("event: text-delta"));
    expect(text).toContain("event: done");
  });

  it("proxies /v1/models, /healthz and request errors unchanged", async () => {
    const models = await edge.fetch("/v1/models");
    expect(models.status).toBe(200);
    const list = (await models.json()) as { object: string; data: { id: string }[] };
    expect(list.object).toBe("list");
    expect(list.data.length).toBeGreaterThan(0);

    const health = await edge.fetch("/healthz");
    expect(await health.json()).toEqual({ status: "ok" });

    const bad = await edge.fetch("/api/chat", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "hello",
    });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).code).toBe("invalid_json");
  });

  it("answers a LINE message end to end: edge verifies and relays, the origin replies through LINE", async () => {
    const event = lineTextEvent("作業可以遲交嗎？");
    const body = JSON.stringify({ destination: "Ubot", events: [event] });
    const response = await edge.fetch("/webhooks/line", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-line-signature": lineSignature(LINE_CHANNEL_SECRET, body),
      },
      body,
    });
    expect(response.status).toBe(200);
    await fakeLine.waitUntil(
      () => fakeLine.replies().some((reply) => reply.body?.replyToken === event.replyToken),
      30_000,
      "the LINE reply",
    );
    const reply = fakeLine.replies().find((request) => request.body?.replyToken === event.replyToken)!;
    expect(((reply.body?.messages ?? []) as unknown[]).length).toBeGreaterThan(0);
    expect(edge.logs.filter((line) => line.includes("LINE event"))).toEqual([]);
  });

  it("takes a LINE batch up to the origin's body limit end to end, and refuses a larger one at the edge with 413", async () => {
    const event = lineTextEvent("期末報告要交幾頁？", { userId: "Ulimit000000000000000000000000001" });
    const post = (body: string) =>
      edge.fetch("/webhooks/line", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-line-signature": lineSignature(LINE_CHANNEL_SECRET, body),
        },
        body,
      });
    // One byte over the origin's BODY_MAX_BYTES: the edge must not acknowledge what the origin refuses.
    const tooLarge = await post(paddedLineBody([event], 65_537));
    expect(tooLarge.status).toBe(413);

    const atLimit = await post(paddedLineBody([event], 65_536));
    expect(atLimit.status).toBe(200);
    await fakeLine.waitUntil(
      () => fakeLine.replies().some((reply) => reply.body?.replyToken === event.replyToken),
      30_000,
      "the reply to the batch at the limit",
    );
    expect(fakeLine.replies().filter((reply) => reply.body?.replyToken === event.replyToken)).toHaveLength(1);
    expect(edge.logs.filter((line) => line.includes("origin refused a LINE event"))).toEqual([]);
  });

  it("refuses a captured relay replayed with its signature in other letter case or to another platform's route", async () => {
    const event = lineTextEvent("補考在哪一天？", { userId: "Ucapture0000000000000000000000001" });
    const body = JSON.stringify({ destination: "Ubot", events: [event] });
    const lineSigned = lineSignature(LINE_CHANNEL_SECRET, body);
    const response = await tappedEdge.fetch("/webhooks/line", {
      method: "POST",
      headers: { "content-type": "application/json", "x-line-signature": lineSigned },
      body,
    });
    expect(response.status).toBe(200);
    const captured = await tap.waitFor((request) => request.path === "/internal/relay/line");
    await fakeLine.waitUntil(
      () => fakeLine.replies().some((reply) => reply.body?.replyToken === event.replyToken),
      30_000,
      "the relayed answer",
    );

    const signature = captured.headers["x-relay-signature"] as string;
    const replay = (path: string, relaySignature: string) =>
      fetch(`${service.url}${path}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-line-signature": lineSigned,
          "x-relay-timestamp": captured.headers["x-relay-timestamp"] as string,
          "x-relay-signature": relaySignature,
        },
        body: new Uint8Array(captured.body),
      });
    let letter = 0;
    const mixedCase = signature.replace(/[a-f]/g, (char) => (letter++ % 2 ? char : char.toUpperCase()));
    for (const [path, variant] of [
      ["/internal/relay/line", signature],
      ["/internal/relay/line", signature.toUpperCase()],
      ["/internal/relay/line", mixedCase],
      ["/internal/relay/discord", signature],
    ] as const) {
      const replayed = await replay(path, variant);
      expect(replayed.status, `${path} ${variant}`).toBe(401);
    }
  });

  it("relays a Discord command past the origin's HMAC check (Discord is off there, so the edge apologises)", async () => {
    const body = JSON.stringify({
      type: 2,
      id: "i-1",
      application_id: "app-1",
      token: "interaction-token",
      data: { name: "ask", options: [{ name: "question", value: "期中考範圍？" }] },
    });
    const response = await edge.fetch("/webhooks/discord", {
      method: "POST",
      headers: discordHeaders(discordKey, body),
      body,
    });
    const answer = (await response.json()) as { type: number; data: { content: string; flags: number } };
    expect(answer).toMatchObject({ type: 4, data: { flags: 64 } });
    const refusal = edge.logs.find((line) => line.includes("Discord interaction not handled"));
    expect(refusal).toContain("origin answered 404");
    expect(refusal).toContain("discord is not configured on this server");
  });

  describe("the origin's /internal/relay route, directly", () => {
    // A body of its own: within one second the same body has the same signature (a replay).
    const body = JSON.stringify({ type: 2, id: "direct-relay", data: { name: "ask" } });

    it("accepts a fresh, valid relay once and refuses its replay", async () => {
      const { response, headers } = await postRelay(service, body);
      expect(response.status).toBe(404);
      expect((await errorOf(response)).message).toBe("discord is not configured on this server");
      const replay = await fetch(`${service.url}/internal/relay/discord`, { method: "POST", headers, body });
      expect(replay.status).toBe(401);
      expect((await errorOf(replay)).message).toContain("replayed");
    });

    it("refuses a tampered body, a stale or future timestamp, a wrong secret and missing headers", async () => {
      const tampered = await postRelay(service, body.replace("direct-relay", "tampered"), {
        signedBody: body,
      });
      expect(tampered.response.status).toBe(401);
      const now = Math.floor(Date.now() / 1000);
      const stale = await postRelay(service, body, { timestamp: now - RELAY_MAX_AGE_SECONDS - 60 });
      expect(stale.response.status).toBe(401);
      expect((await errorOf(stale.response)).message).toContain("stale");
      const future = await postRelay(service, body, { timestamp: now + RELAY_MAX_AGE_SECONDS + 60 });
      expect(future.response.status).toBe(401);
      const wrongSecret = await postRelay(service, body, { secret: "not-the-relay-secret" });
      expect(wrongSecret.response.status).toBe(401);
      const unsigned = await fetch(`${service.url}/internal/relay/discord`, { method: "POST", body });
      expect(unsigned.status).toBe(401);
    });
  });
});
