/**
 * A full run with every secret configured: chats, bad webhooks, relays, admin calls, bot platforms
 * that cannot be reached. No secret may appear in the logs, the traces, or the files the service
 * wrote.
 */
import { createHmac } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { signRelay } from "../../src/relay-signature.ts";
import { startTestService } from "../helpers/service.ts";

const SECRETS = {
  ADMIN_TOKEN: "admin-secret-7f3a9c2e41",
  DISCORD_TOKEN: "discord-secret-MTIzNDU2Nzg5.abc.def",
  LINE_CHANNEL_SECRET: "line-channel-secret-5e8d",
  LINE_CHANNEL_ACCESS_TOKEN: "line-access-token-9a1b2c3d4e",
  RELAY_SECRET: "relay-secret-0c0ffee0",
  INFERENCE_TOKEN: "inference-secret-b16b00b5",
};

function filesUnder(folder: string): string[] {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

it("never writes a secret to logs, traces or data files", async () => {
  const service = await startTestService({
    env: {
      ...SECRETS,
      DISCORD_API_BASE_URL: "http://127.0.0.1:9/api",
      LINE_API_BASE_URL: "http://127.0.0.1:9",
      LINE_REPLY_DEADLINE_MS: "100",
    },
  });
  const admin = { authorization: `Bearer ${SECRETS.ADMIN_TOKEN}` };
  try {
    expect(service.adminToken).toBe(SECRETS.ADMIN_TOKEN);
    const ask = (message: string) =>
      fetch(`${service.url}/api/chat`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ message, stream: false, sampling: { maxTokens: 4 } }),
      }).then((response) => response.json());
    await ask("HW4 什麼時候交？");
    await ask(`我的 token 是 ${SECRETS.DISCORD_TOKEN.slice(0, 6)}，top-p 是什麼？`);

    // A LINE event with a valid signature: the bot tries to answer through an unreachable API.
    const lineBody = JSON.stringify({
      destination: "U0",
      events: [
        {
          type: "message",
          mode: "active",
          timestamp: Date.now(),
          source: { type: "user", userId: "U123" },
          webhookEventId: "01SECRETTEST",
          deliveryContext: { isRedelivery: false },
          replyToken: "reply-token-1",
          message: { id: "1", type: "text", text: "LoRA 是什麼？", quoteToken: "q" },
        },
      ],
    });
    const lineSignature = createHmac("sha256", SECRETS.LINE_CHANNEL_SECRET).update(lineBody).digest("base64");
    const line = await fetch(`${service.url}/webhooks/line`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-line-signature": lineSignature },
      body: lineBody,
    });
    expect(line.status).toBe(200);
    const badLine = await fetch(`${service.url}/webhooks/line`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-line-signature": "bad" },
      body: lineBody,
    });
    expect(badLine.status).toBe(401);

    const timestamp = String(Math.floor(Date.now() / 1000));
    const relayBody = new TextEncoder().encode(lineBody);
    const relayed = await fetch(`${service.url}/internal/relay/line`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-line-signature": lineSignature,
        "x-relay-timestamp": timestamp,
        "x-relay-signature": await signRelay(SECRETS.RELAY_SECRET, {
          timestamp,
          platform: "line",
          body: relayBody,
        }),
      },
      body: relayBody,
    });
    expect(relayed.status).toBe(200);
    await fetch(`${service.url}/api/admin/traces`, { headers: { authorization: "Bearer wrong" } });
    const traces = await (await fetch(`${service.url}/api/admin/traces?limit=50`, { headers: admin })).text();

    // Give the bots' background work (replies, pushes, retries) time to fail and log.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await service.stop();

    const logs = service.logs.join("\n");
    expect(logs.length).toBeGreaterThan(100);
    for (const [name, secret] of Object.entries(SECRETS)) {
      expect(logs.includes(secret), `${name} in logs`).toBe(false);
      expect(traces.includes(secret), `${name} in traces`).toBe(false);
      for (const file of filesUnder(service.root)) {
        if (statSync(file).size > 50_000_000) continue;
        expect(readFileSync(file).includes(secret), `${name} in ${file}`).toBe(false);
      }
    }
  } finally {
    await service.close();
  }
});
