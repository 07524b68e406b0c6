/**
 * Discord `/ask` through the bundled Worker (workerd) into the REAL origin, configured from the
 * environment as in production (DISCORD_PUBLIC_KEY, DISCORD_APPLICATION_ID, DISCORD_API_BASE_URL
 * pointing at a fake Discord API on 127.0.0.1): the edge answers the deferral within Discord's limit,
 * relays the interaction, and the origin edits the original response with the answer.
 */
import { generateKeyPairSync } from "node:crypto";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { REPLIES } from "../../src/bots/replies.ts";
import { type FakeDiscord, startFakeDiscord } from "../helpers/fake-discord.ts";
import { startTestService, type TestService } from "../helpers/service.ts";
import {
  bundleEdgeWorker,
  discordHeaders,
  type EdgeWorker,
  makeBundleDir,
  startEdgeWorker,
} from "./helpers.ts";

const RELAY_SECRET = "relay-secret-for-discord-edge-test-0123";
const keys = generateKeyPairSync("ed25519");
const publicKeyHex = Buffer.from(keys.publicKey.export({ format: "jwk" }).x!, "base64url").toString("hex");

const outdir = makeBundleDir();
let fake: FakeDiscord;
let service: TestService;
let edge: EdgeWorker;

beforeAll(async () => {
  fake = await startFakeDiscord();
  const [bundle, started] = await Promise.all([
    bundleEdgeWorker(outdir),
    startTestService({
      env: {
        RELAY_SECRET,
        DISCORD_PUBLIC_KEY: publicKeyHex,
        DISCORD_APPLICATION_ID: fake.applicationId,
        DISCORD_API_BASE_URL: fake.apiBaseUrl,
      },
    }),
  ]);
  service = started;
  edge = await startEdgeWorker(bundle.scriptPath, {
    ORIGIN_URL: service.url,
    RELAY_SECRET,
    DISCORD_PUBLIC_KEY: publicKeyHex,
  });
}, 120_000);
afterAll(async () => {
  await edge?.dispose();
  await service?.close();
  await fake?.close();
  rmSync(outdir, { recursive: true, force: true });
});

it("defers /ask at the edge, and the origin edits the original response with the answer", async () => {
  const token = `interaction-token-${fake.nextId()}`;
  const body = JSON.stringify({
    id: fake.nextId(),
    application_id: fake.applicationId,
    type: 2,
    token,
    version: 1,
    guild_id: "700000000000000001",
    channel_id: "700000000000000002",
    channel: { id: "700000000000000002", type: 0 },
    member: { user: { id: "900000000000000042", username: "student" } },
    data: {
      id: fake.nextId(),
      name: "ask",
      type: 1,
      options: [{ name: "question", type: 3, value: "期末專題要交什麼？" }],
    },
  });
  const started = performance.now();
  const deferral = await edge.fetch("/webhooks/discord", {
    method: "POST",
    headers: discordHeaders(keys.privateKey, body),
    body,
  });
  expect(performance.now() - started).toBeLessThan(3000);
  expect(deferral.status).toBe(200);
  expect(await deferral.json()).toEqual({ type: 5 });

  const channel = `webhook-${token}`;
  await fake.waitUntil(
    () => {
      const last = fake.botMessages(channel)[0]?.contents.at(-1);
      return last !== undefined && !last.endsWith(REPLIES.stillWriting);
    },
    60_000,
    "the origin's edit of the original response",
  );
  const answer = fake.botMessages(channel)[0]!.contents.at(-1)!;
  expect(answer.length).toBeGreaterThan(0);
  const edits = fake.requests.filter((request) => request.method === "PATCH" && request.path.includes(token));
  expect(edits.length).toBeGreaterThan(0);
  expect(
    edits.every((request) =>
      request.path.includes(`/webhooks/${fake.applicationId}/${token}/messages/@original`),
    ),
  ).toBe(true);

  const traces = await service.service.traces.list({ limit: 5 });
  const trace = traces.find((candidate) => candidate.question === "期末專題要交什麼？");
  expect(trace?.platform).toBe("discord");
}, 120_000);
