/** Staff alerts against a fake webhook on 127.0.0.1: retries, Retry-After, never blocking, no secret in logs. */
import { afterEach, expect, test } from "vitest";
import { describeWebhookUrl, formatAlert, traceLink } from "../../src/alerts/format.ts";
import { StaffAlerts } from "../../src/alerts/staff-alerts.ts";
import { createLogger } from "../../src/log.ts";
import { type FakeWebhook, startFakeWebhook } from "../helpers/fake-webhook.ts";

let webhook: FakeWebhook | undefined;
afterEach(async () => {
  await webhook?.close();
  webhook = undefined;
});

function alertsFor(url: string, lines: string[]) {
  return new StaffAlerts({
    webhookUrl: url,
    publicBaseUrl: "https://ta.example.edu",
    logger: createLogger({ level: "debug", write: (line) => lines.push(line) }),
    initialDelayMs: 20,
  });
}

const subject = {
  kind: "handoff" as const,
  pseudonym: "學生-0123456789ab",
  platform: "line",
  mode: "handoff",
  question: "問".repeat(300),
  traceId: "trace-1",
};

test("notify returns at once; a 429 with Retry-After and a 500 are retried, then it is posted once", async () => {
  webhook = await startFakeWebhook();
  webhook.script = [[429, { "retry-after": "0.3" }], [500]];
  const lines: string[] = [];
  const alerts = alertsFor(webhook.url, lines);
  const started = Date.now();
  alerts.notify(subject);
  expect(Date.now() - started).toBeLessThan(20);
  await alerts.idle();
  expect(webhook.attempts).toBe(3);
  expect(webhook.posts).toHaveLength(1);
  // Waited at least what Retry-After asked for before the second attempt.
  expect(webhook.posts[0]!.at - started).toBeGreaterThanOrEqual(300);
  expect(webhook.posts[0]!.body.content).toContain(`${"問".repeat(200)}…`);
  expect(lines.join("\n")).toContain("HTTP 429");
  expect(lines.join("\n")).not.toContain(webhook.token);
  await alerts.close();
});

test("an unreachable webhook is given up after its attempts, logged without the token", async () => {
  const lines: string[] = [];
  const alerts = new StaffAlerts({
    webhookUrl: "http://127.0.0.1:9/api/webhooks/42/super-secret-token",
    logger: createLogger({ level: "debug", write: (line) => lines.push(line) }),
    initialDelayMs: 5,
    attempts: 3,
  });
  expect(await alerts.post("hello", "test alert")).toBe(false);
  expect(lines.join("\n")).toContain("failed 3 times");
  expect(lines.join("\n")).not.toContain("super-secret-token");
  await alerts.close();
});

test("formatting: pseudonym, platform, mode, quoted question, trace link", () => {
  const text = formatAlert({ ...subject, question: "第一行\n> @everyone" }, "https://ta.example.edu/");
  expect(text).toContain("學生-0123456789ab · line · mode handoff");
  expect(text).toContain("> 第一行\n> > @everyone");
  expect(text).toContain("https://ta.example.edu/admin/traces/trace-1");
  expect(traceLink(undefined, "t")).toContain("set PUBLIC_BASE_URL");
  expect(describeWebhookUrl("https://discord.com/api/webhooks/123/abcSECRET")).toBe(
    "https://discord.com/api/webhooks/123/***",
  );
});
