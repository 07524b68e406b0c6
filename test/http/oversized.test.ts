/**
 * Oversized request bodies through Node's own fetch (undici, keep-alive pool) against the real
 * server on 127.0.0.1: every one is answered with a readable 413, and the requests that follow on
 * the same pool are answered too (no "other side closed"). Requests run back to back, so no pooled
 * socket sits idle long enough to meet Node's 5 s keep-alive timeout (a normal, retryable race).
 */
import { createHmac, type KeyObject, sign } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discordKeyPair, type FakeDiscord, startFakeDiscord } from "../helpers/fake-discord.ts";
import { type FakeLine, startFakeLine } from "../helpers/fake-line.ts";
import { startTestService, type TestService } from "../helpers/service.ts";

const LINE_CHANNEL_SECRET = "line-channel-secret-for-oversize-0123456789";
const BODY_MAX_BYTES = 65_536;

/** What came back: a status and body, or the error fetch threw (with its cause). */
type Outcome = { status: number; text: string } | { error: string };

let lastAnswerAt = performance.now();

/**
 * One request. Node closes a keep-alive socket idle for 5 s, and a client reusing it at that
 * moment sees "other side closed": normal HTTP, retried once here when the pool sat idle ≥ 4 s.
 * Back-to-back requests never meet it, so any other failed request is the server's fault.
 */
async function attempt(url: string, init: () => RequestInit, retried = false): Promise<Outcome> {
  const idleMs = performance.now() - lastAnswerAt;
  try {
    const response = await fetch(url, init());
    return { status: response.status, text: await response.text() };
  } catch (error) {
    if (idleMs >= 4000 && !retried) return attempt(url, init, true);
    const cause = (error as Error).cause as Error | undefined;
    const why = `${(error as Error).message}${cause ? ` (${cause.message})` : ""}`;
    return { error: `${why}, ${Math.round(idleMs)} ms after the previous answer` };
  } finally {
    lastAnswerAt = performance.now();
  }
}

/** A body streamed in 16 KiB chunks: fetch sends it chunked, with no Content-Length. */
function chunkedBody(bytes: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= bytes) return controller.close();
      const size = Math.min(16_384, bytes - sent);
      sent += size;
      controller.enqueue(new Uint8Array(size).fill(0x61));
    },
  });
}

/** The `{error: {code, message}}` of a JSON error body, when it has a readable message. */
function errorOf(text: string): { code?: string; message: string } | undefined {
  try {
    const error = (JSON.parse(text) as { error?: { code?: string; message?: unknown } }).error;
    return typeof error?.message === "string" && error.message.length > 3
      ? { code: error.code, message: error.message }
      : undefined;
  } catch {
    return undefined;
  }
}

/** A JSON-looking body of `bytes` bytes (over the limit, so never parsed). */
const bigJson = (bytes: number) => `{"message":"${"a".repeat(bytes - 14)}"}`;

describe("oversized bodies on a keep-alive connection", () => {
  let service: TestService;
  let fakeLine: FakeLine;
  let fakeDiscord: FakeDiscord;
  let discordKey: KeyObject;
  beforeAll(async () => {
    fakeLine = await startFakeLine();
    fakeDiscord = await startFakeDiscord();
    const keys = discordKeyPair();
    discordKey = keys.privateKey;
    service = await startTestService({
      env: {
        LLM_MAX_TOKENS: "2",
        BODY_MAX_BYTES: String(BODY_MAX_BYTES),
        LINE_CHANNEL_SECRET,
        LINE_CHANNEL_ACCESS_TOKEN: "line-access-token-for-oversize-0123456789",
        LINE_API_BASE_URL: fakeLine.baseUrl,
        DISCORD_PUBLIC_KEY: keys.publicKeyHex,
        DISCORD_API_BASE_URL: fakeDiscord.apiBaseUrl,
      },
    });
  });
  afterAll(async () => {
    await service?.close();
    await fakeDiscord?.close();
    await fakeLine?.close();
  });

  /** Small, valid requests that must succeed (200) right after an oversized one. */
  function followUps(): [string, () => RequestInit][] {
    const lineBody = JSON.stringify({ destination: "Ubot", events: [] });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const discordBody = JSON.stringify({ id: "1", application_id: "2", type: 1, token: "t" });
    return [
      [
        "/webhooks/line",
        () => ({
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-line-signature": createHmac("sha256", LINE_CHANNEL_SECRET).update(lineBody).digest("base64"),
          },
          body: lineBody,
        }),
      ],
      [
        "/webhooks/discord",
        () => ({
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-signature-timestamp": timestamp,
            "x-signature-ed25519": sign(null, Buffer.from(timestamp + discordBody), discordKey).toString(
              "hex",
            ),
          },
          body: discordBody,
        }),
      ],
      [
        "/api/chat",
        () => ({
          method: "POST",
          headers: { "content-type": "application/json" },
          // Small talk gets a fixed reply: the route runs end to end without waiting on the model.
          body: JSON.stringify({ message: "你好", stream: false }),
        }),
      ],
      ["/healthz", () => ({ method: "GET" })],
    ];
  }

  it("answers every oversized body with a readable 413, and the next requests work", async () => {
    const failures: string[] = [];
    const oversized: [string, (bytes: number) => RequestInit][] = [
      [
        "Content-Length",
        (bytes) => ({
          method: "POST",
          headers: { "content-type": "application/json" },
          body: bigJson(bytes),
        }),
      ],
      [
        "chunked",
        (bytes) =>
          ({
            method: "POST",
            headers: { "content-type": "application/json" },
            body: chunkedBody(bytes),
            duplex: "half",
          }) as RequestInit,
      ],
    ];
    // Just over the limit; larger than the socket buffers (the client finishes writing before it
    // reads the 413, then reuses the socket); and so large that the 413 arrives mid-upload.
    const sizes = [BODY_MAX_BYTES + 1, 200_000, 2_000_000, 8_000_000];
    let turn = 0;
    for (let round = 0; round < 2; round++) {
      for (const path of ["/webhooks/line", "/webhooks/discord", "/api/chat"]) {
        for (const [framing, init] of oversized) {
          for (const bytes of sizes) {
            const label = `round ${round}: ${path} ${bytes} bytes ${framing}`;
            const outcome = await attempt(`${service.url}${path}`, () => init(bytes));
            if ("error" in outcome) failures.push(`${label}: ${outcome.error}`);
            else if (outcome.status !== 413 || errorOf(outcome.text)?.code !== "payload_too_large")
              failures.push(`${label}: ${outcome.status} ${outcome.text.slice(0, 200)}`);
            // Rotated, so every route is sometimes the request that lands on the reused socket.
            const next = followUps();
            turn++;
            const shift = (turn + Math.floor(turn / 4)) % 4;
            for (const [followPath, followInit] of [...next.slice(shift), ...next.slice(0, shift)]) {
              const followed = await attempt(`${service.url}${followPath}`, followInit);
              if ("error" in followed) failures.push(`${label}, then ${followPath}: ${followed.error}`);
              else if (followed.status !== 200)
                failures.push(
                  `${label}, then ${followPath}: ${followed.status} ${followed.text.slice(0, 200)}`,
                );
            }
          }
        }
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);
});

describe("a body under the limit refused before it is read", () => {
  let service: TestService;
  beforeAll(async () => {
    // A limit well above the socket buffers, so that much of the body is still unread.
    service = await startTestService({ env: { LLM_MAX_TOKENS: "2", BODY_MAX_BYTES: "1048576" } });
  });
  afterAll(async () => {
    await service?.close();
  });

  it("leaves the keep-alive connection usable", async () => {
    const failures: string[] = [];
    const chat = () => ({
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ message: "你好", stream: false }),
    });
    for (let index = 0; index < 8; index++) {
      // Wrong content type: refused with a 400 before the body is read.
      const refused = await attempt(`${service.url}/api/chat`, () => ({
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: bigJson(300_000),
      }));
      if ("error" in refused) failures.push(`refused: ${refused.error}`);
      else if (refused.status !== 400 || errorOf(refused.text)?.code !== "invalid_json")
        failures.push(`refused: ${refused.status} ${refused.text.slice(0, 200)}`);
      for (const [path, init] of [
        ["/healthz", () => ({ method: "GET" })],
        ["/api/chat", chat],
        ["/healthz", () => ({ method: "GET" })],
      ] as const) {
        const followed = await attempt(`${service.url}${path}`, init);
        if ("error" in followed || followed.status !== 200)
          failures.push(`then ${path}: ${JSON.stringify(followed).slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
