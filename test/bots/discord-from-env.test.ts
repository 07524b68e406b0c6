/**
 * The Discord gateway bot as `npm start` wires it, from the environment only (DISCORD_TOKEN,
 * DISCORD_APPLICATION_ID, DISCORD_API_BASE_URL, BOT_RATE_LIMIT_BURST): the real discord.js client
 * against a fake Discord on 127.0.0.1.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { REPLIES } from "../../src/bots/replies.ts";
import { type FakeDiscord, startFakeDiscord } from "../helpers/fake-discord.ts";
import { startTestService, type TestService } from "../helpers/service.ts";

let fake: FakeDiscord;
let service: TestService;

beforeAll(async () => {
  fake = await startFakeDiscord();
  service = await startTestService({
    env: {
      DISCORD_TOKEN: fake.token,
      DISCORD_APPLICATION_ID: fake.applicationId,
      DISCORD_API_BASE_URL: fake.apiBaseUrl,
      BOT_RATE_LIMIT_BURST: "1",
      BOT_RATE_LIMIT_PER_MINUTE: "1",
    },
  });
}, 60_000);
afterAll(async () => {
  await service?.close();
  await fake?.close();
});

it("connects, registers /ask, /reset and /human, answers a DM, and applies the configured rate limit", async () => {
  await fake.waitUntil(
    () => service.logs.some((line) => line.includes("Discord bot connected")),
    15_000,
    "the gateway bot to connect",
  );
  await fake.waitUntil(
    () => fake.requests.some((request) => request.method === "PUT" && request.path.endsWith("/commands")),
    15_000,
    "the slash commands to be registered",
  );
  const registered = fake.requests.find(
    (request) => request.method === "PUT" && request.path.endsWith("/commands"),
  )!;
  expect(registered.path).toBe(`/applications/${fake.applicationId}/commands`);
  expect((registered.body as unknown as { name: string }[]).map((command) => command.name).sort()).toEqual([
    "ask",
    "human",
    "reset",
  ]);

  const channelId = fake.nextId();
  fake.userMessage({ channelId, content: "期中考怎麼算分？" });
  await fake.waitUntil(
    () => {
      const last = fake.botMessages(channelId)[0]?.contents.at(-1) ?? "";
      return last !== "" && last !== REPLIES.thinking && !last.endsWith(REPLIES.stillWriting);
    },
    30_000,
    "the answer",
  );
  // BOT_RATE_LIMIT_BURST=1: the second question in a row gets the friendly rate-limit reply.
  fake.userMessage({ channelId, content: "那期末呢？" });
  await fake.waitUntil(() => fake.botMessages(channelId).length === 2, 15_000, "the rate-limit reply");
  expect(fake.botMessages(channelId)[1]!.contents.at(-1)).toMatch(/你問得好快/);
  expect(service.logs.join("\n")).not.toContain(fake.token);
}, 90_000);
