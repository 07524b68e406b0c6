/**
 * The bundled Worker in workerd in front of the REAL origin service on 127.0.0.1 (tiny generated
 * models): the SSE chat stream and the OpenAI-compatible API through the proxy, and relayed events
 * accepted by the origin's HMAC check (the origin has no LINE or Discord configured, so an accepted
 * relay answers 404 "not configured", while a refused one answers 401).
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RELAY_MAX_AGE_SECONDS, signRelay } from "../../src/relay-signature.ts";
import { startTestService, type TestService } from "../helpers/service.ts";
import { bundleEdgeWorker, type EdgeWorker, lineSignature, startEdgeWorker } from "./helpers.ts";

const RELAY_SECRET = "relay-secret-for-edge-tests-0123456789";
const LINE_CHANNEL_SECRET = "line-channel-secret-0123456789";

async function postRelay(
  service: TestService,
  body: string,
  options: { timestamp?: number; signedBody?: string; secret?: string } = {},
) {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const signature = await signRelay(
    options.secret ?? RELAY_SECRET,
    timestamp,
    new TextEncoder().encode(options.signedBody ?? body),
  );
  const headers = {
    "content-type": "application/json",
    "x-relay-timestamp": timestamp,
    "x-relay-signature": signature,
  };
  return {
    response: await fetch(`${service.url}/internal/relay/line`, { method: "POST", headers, body }),
    headers,
  };
}

async function errorOf(response: Response) {
  return ((await response.json()) as { error: { code: string; message: string } }).error;
}

describe("edge relay in front of the real origin", () => {
  let outdir = "";
  let service: TestService;
  let edge: EdgeWorker;

  beforeAll(async () => {
    const [bundle, started] = await Promise.all([
      bundleEdgeWorker(),
      startTestService({ env: { RELAY_SECRET } }),
    ]);
    outdir = bundle.outdir;
    service = started;
    edge = await startEdgeWorker(bundle.scriptPath, {
      ORIGIN_URL: service.url,
      RELAY_SECRET,
      LINE_CHANNEL_SECRET,
    });
  });
  afterAll(async () => {
    await edge?.dispose();
    await service?.close();
    if (outdir) rmSync(outdir, { recursive: true, force: true });
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
        console.log("T0", Date.now());
      }
    }
    console.log("T1", Date.now(), reads);
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

  it("relays a LINE event that the origin's HMAC check accepts", async () => {
    const body = JSON.stringify({ destination: "U0123", events: [] });
    const response = await edge.fetch("/webhooks/line", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-line-signature": lineSignature(LINE_CHANNEL_SECRET, body),
      },
      body,
    });
    expect(response.status).toBe(200);
    // Past the HMAC check, the origin (without LINE) says so; the Worker logs it.
    const deadline = Date.now() + 5000;
    while (!edge.logs.some((line) => line.includes("origin refused a LINE event")) && Date.now() < deadline) {
      await new Promise((done) => setTimeout(done, 20));
    }
    const refusal = edge.logs.find((line) => line.includes("origin refused a LINE event"));
    expect(refusal).toContain("404");
    expect(refusal).toContain("line is not configured on this server");
  });

  describe("the origin's /internal/relay route, directly", () => {
    // Not the body relayed above: within one second the same body has the same signature.
    const body = JSON.stringify({ destination: "U0456", events: [] });

    it("accepts a fresh, valid relay once and refuses its replay", async () => {
      const { response, headers } = await postRelay(service, body);
      expect(response.status).toBe(404);
      expect((await errorOf(response)).message).toContain("not configured");
      const replay = await fetch(`${service.url}/internal/relay/line`, { method: "POST", headers, body });
      expect(replay.status).toBe(401);
      expect((await errorOf(replay)).message).toContain("replayed");
    });

    it("refuses a tampered body, a stale or future timestamp, a wrong secret and missing headers", async () => {
      const tampered = await postRelay(service, body.replace("U0456", "U9999"), { signedBody: body });
      expect(tampered.response.status).toBe(401);
      const now = Math.floor(Date.now() / 1000);
      const stale = await postRelay(service, body, { timestamp: now - RELAY_MAX_AGE_SECONDS - 60 });
      expect(stale.response.status).toBe(401);
      expect((await errorOf(stale.response)).message).toContain("stale");
      const future = await postRelay(service, body, { timestamp: now + RELAY_MAX_AGE_SECONDS + 60 });
      expect(future.response.status).toBe(401);
      const wrongSecret = await postRelay(service, body, { secret: "not-the-relay-secret" });
      expect(wrongSecret.response.status).toBe(401);
      const unsigned = await fetch(`${service.url}/internal/relay/line`, { method: "POST", body });
      expect(unsigned.status).toBe(401);
    });
  });
});
