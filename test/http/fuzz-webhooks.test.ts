/**
 * Fuzzing the platform webhooks and the edge relay with no, wrong and valid signatures (the
 * platform's own and the relay's), against fake LINE and Discord APIs on 127.0.0.1. Same rules as
 * fuzz.test.ts: no 5xx, readable 4xx; unsigned or badly signed requests are refused.
 */
import { createHmac, type KeyObject, sign } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom } from "../../src/fixtures/random.ts";
import { signRelay } from "../../src/relay-signature.ts";
import { discordKeyPair, type FakeDiscord, startFakeDiscord } from "../helpers/fake-discord.ts";
import { type FakeLine, lineTextEvent, startFakeLine } from "../helpers/fake-line.ts";
import { type FuzzTarget, pick, randomBody, randomJsonValue, startFuzzTarget } from "./fuzz-helpers.ts";

const RELAY_SECRET = "relay-secret-for-fuzz-tests-0123456789";
const LINE_CHANNEL_SECRET = "line-channel-secret-for-fuzz-0123456789";
const LINE_ACCESS_TOKEN = "line-access-token-for-fuzz-0123456789";

/** Platform webhook bodies: random JSON, malformed bytes, and shapes close to the real events. */
function randomWebhookBody(random: () => number, platform: "line" | "discord"): string | Uint8Array {
  const kind = Math.floor(random() * 6);
  if (kind === 0) return randomBody(random);
  if (kind === 1) return JSON.stringify(randomJsonValue(random));
  if (platform === "line") {
    if (kind === 2) return JSON.stringify({ destination: "Ubot", events: [randomJsonValue(random)] });
    if (kind === 3)
      return JSON.stringify({
        destination: "Ubot",
        events: [{ ...lineTextEvent("x"), ...(randomJsonValue(random) as object) }],
      });
    if (kind === 4)
      return JSON.stringify({
        destination: "Ubot",
        events: [
          {
            type: pick(random, ["message", "postback", "follow", "join", "unsend", "x"]),
            source: randomJsonValue(random),
            message: randomJsonValue(random),
          },
        ],
      });
    return JSON.stringify({
      destination: "Ubot",
      events: [lineTextEvent(pick(random, ["HW4 什麼時候交？", "", "💥", "/ask"]))],
    });
  }
  if (kind === 2) return JSON.stringify({ type: pick(random, [1, 2, 3, 4, 5, 99, "2", null]) });
  if (kind === 3)
    return JSON.stringify({
      id: "1",
      application_id: "2",
      type: 2,
      token: "interaction-token-fuzz",
      data: randomJsonValue(random),
      member: randomJsonValue(random),
    });
  if (kind === 4)
    return JSON.stringify({
      id: "1",
      application_id: "2",
      type: pick(random, [2, 3, 4, 5]),
      token: "interaction-token-fuzz",
      channel_id: "3",
      user: { id: "4", username: "fuzz" },
      data: { name: pick(random, ["ask", "reset", "nope", ""]), type: 1, options: [randomJsonValue(random)] },
    });
  return JSON.stringify({
    id: "1",
    application_id: "2",
    type: 2,
    token: "interaction-token-fuzz",
    channel_id: "3",
    member: { user: { id: "4", username: "fuzz" } },
    data: { name: "ask", type: 1, options: [{ name: "question", type: 3, value: randomJsonValue(random) }] },
  });
}

const toBytes = (body: string | Uint8Array) =>
  typeof body === "string" ? new TextEncoder().encode(body) : body;

describe("fuzzing the webhooks and relays", () => {
  let target: FuzzTarget;
  let send: FuzzTarget["send"];
  let fakeLine: FakeLine;
  let fakeDiscord: FakeDiscord;
  let discordKey: KeyObject;
  beforeAll(async () => {
    fakeLine = await startFakeLine();
    fakeDiscord = await startFakeDiscord();
    const keys = discordKeyPair();
    discordKey = keys.privateKey;
    target = await startFuzzTarget({
      RELAY_SECRET,
      LINE_CHANNEL_SECRET,
      LINE_CHANNEL_ACCESS_TOKEN: LINE_ACCESS_TOKEN,
      LINE_API_BASE_URL: fakeLine.baseUrl,
      DISCORD_PUBLIC_KEY: keys.publicKeyHex,
      DISCORD_API_BASE_URL: fakeDiscord.apiBaseUrl,
    });
    ({ send } = target);
  });
  afterAll(async () => {
    await target?.close();
    await fakeDiscord?.close();
    await fakeLine?.close();
  });

  it("webhooks and relays with no, wrong and valid signatures", async () => {
    const random = seededRandom(59);
    const failures: string[] = [];
    const statuses: Record<string, Set<number>> = {};
    for (let index = 0; index < 120; index++) {
      const platform = random() < 0.5 ? "line" : "discord";
      const relayed = random() < 0.6;
      const body = randomWebhookBody(random, platform);
      const bytes = toBytes(body);
      const headers: Record<string, string> = {
        "content-type": pick(random, ["application/json", "application/json", "text/plain", ""]),
      };
      if (!headers["content-type"]) delete headers["content-type"];
      // The platform's own signature: none, garbage, or valid.
      const platformSigning = pick(random, ["none", "garbage", "valid", "valid"] as const);
      if (platform === "line") {
        if (platformSigning === "garbage")
          headers["x-line-signature"] = pick(random, ["AAAA", "", "%%%", "a".repeat(500)]);
        if (platformSigning === "valid")
          headers["x-line-signature"] = createHmac("sha256", LINE_CHANNEL_SECRET)
            .update(bytes)
            .digest("base64");
      } else {
        const timestamp = String(Math.floor(Date.now() / 1000));
        if (platformSigning === "garbage") {
          headers["x-signature-ed25519"] = pick(random, ["00", "zz", "a".repeat(128), ""]);
          headers["x-signature-timestamp"] = pick(random, [timestamp, "", "-1", "1e99"]);
        }
        if (platformSigning === "valid") {
          headers["x-signature-timestamp"] = timestamp;
          headers["x-signature-ed25519"] = sign(
            null,
            Buffer.concat([Buffer.from(timestamp), bytes]),
            discordKey,
          ).toString("hex");
        }
      }
      // The relay's signature (relayed requests only): none, garbage, stale, another secret, or valid.
      const relaySigning = pick(random, [
        "none",
        "garbage",
        "stale",
        "other-secret",
        "valid",
        "valid",
        "valid",
      ] as const);
      if (relayed && relaySigning !== "none") {
        const now = Math.floor(Date.now() / 1000);
        const timestamp = String(relaySigning === "stale" ? now - 3600 : now);
        headers["x-relay-timestamp"] =
          relaySigning === "garbage" ? pick(random, ["", "abc", "1e3", "-0"]) : timestamp;
        headers["x-relay-signature"] =
          relaySigning === "garbage"
            ? pick(random, ["", "zz", "00".repeat(32), "0".repeat(63)])
            : await signRelay(relaySigning === "other-secret" ? "another-secret" : RELAY_SECRET, {
                timestamp,
                platform,
                body: bytes,
              });
      }
      const path = relayed ? `/internal/relay/${platform}` : `/webhooks/${platform}`;
      const status = await send(failures, "POST", path, { headers, body, chunked: random() < 0.2 });
      const key = `${path} relay:${relayed ? relaySigning : "-"} platform:${platformSigning}`;
      statuses[key] = (statuses[key] ?? new Set()).add(status);
    }
    for (const path of [
      "/internal/relay/nope",
      "/internal/relay/",
      "/internal/relay/line/../discord",
      "/internal/relay/%2e%2e",
    ]) {
      await send(failures, "POST", path, { headers: { "content-type": "application/json" }, body: "{}" });
    }
    expect(failures).toEqual([]);
    // Unsigned and badly signed requests were refused; signed ones got through to the platform handlers.
    for (const [key, seen] of Object.entries(statuses)) {
      const unsignedRelay =
        key.startsWith("/internal") && /relay:(none|garbage|stale|other-secret)/.test(key);
      const unsignedPlatform = /platform:(none|garbage)/.test(key);
      if (unsignedRelay || unsignedPlatform)
        expect(
          [...seen].every((status) => [400, 401, 413].includes(status)),
          key,
        ).toBe(true);
    }
    const accepted = Object.entries(statuses).filter(([key]) => key.includes("platform:valid"));
    expect(accepted.some(([, seen]) => seen.has(200))).toBe(true);
    expect(
      Object.keys(statuses).some(
        (key) => key.startsWith("/internal") && key.includes("relay:valid platform:valid"),
      ),
    ).toBe(true);
  }, 180_000);
});
