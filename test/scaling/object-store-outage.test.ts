/**
 * The object store going away mid-run and coming back (s3rver on 127.0.0.1 stopped, then restarted
 * on the same port and data): questions that need the store get a clean 503 meanwhile, the service
 * answers again once it is back, and nothing it acknowledged is lost — a reply given during the
 * outage (small talk needs no store) keeps its trace and its place in the conversation. Also: a start
 * with refused credentials or an unreachable endpoint fails with a message naming the endpoint, and
 * no secret (checked on openCorpus, the first thing every entry point does).
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { openCorpus } from "../../src/deps.ts";
import { AppError } from "../../src/errors.ts";
import { type LocalS3, startLocalS3 } from "../helpers/s3.ts";
import { getTrace, startTestService, type TestService } from "../helpers/service.ts";

let s3: LocalS3;
let service: TestService;

beforeAll(async () => {
  s3 = await startLocalS3(["ta"]);
  service = await startTestService({
    env: { ...s3.env, DATA_DIR: "s3://ta/outage", STORE_REFRESH_SECONDS: "0" },
  });
});
afterAll(async () => {
  await service?.close();
  await s3?.close();
});

/** The JSON answer (200) or error body (4xx/5xx) of POST /api/chat. */
interface ChatReply {
  answer: string;
  traceId: string;
  conversationId: string;
  error: { code: string; message: string };
}

async function ask(
  message: string,
  conversationId?: string,
): Promise<{ status: number; body: ChatReply; retryAfter: string | null }> {
  const response = await fetch(`${service.url}/api/chat`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message, conversationId, stream: false, sampling: { maxTokens: 4 } }),
  });
  return {
    status: response.status,
    body: (await response.json()) as ChatReply,
    retryAfter: response.headers.get("retry-after"),
  };
}

it("answers 503 while the store is away and recovers, losing nothing acknowledged", async () => {
  const first = await ask("期末專題什麼時候交？");
  expect(first.status).toBe(200);
  const conversationId = first.body.conversationId;

  const ready = await fetch(`${service.url}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toMatchObject({ status: "ok", store: "ok" });

  await s3.stop();
  const started = Date.now();
  const refused = await ask("那可以遲交嗎？", conversationId);
  expect(refused.status).toBe(503);
  expect(refused.body.error.code).toBe("store_unavailable");
  expect(refused.body.error.message).toMatch(/data store is unavailable/);
  expect(refused.retryAfter).toBe("5");
  // Staff see LanceDB's reason in the log, with the endpoint.
  expect(service.logs.join("\n")).toMatch(/data store is unavailable .*127\.0\.0\.1/);
  expect(JSON.stringify(refused.body)).not.toContain(s3.env.AWS_SECRET_ACCESS_KEY!);
  expect(Date.now() - started).toBeLessThan(20_000);
  // A reply that needs no store is still given, and acknowledged.
  const thanks = await ask("謝謝", conversationId);
  expect(thanks.status).toBe(200);
  // Staff pages that need the store say so too (503, not an internal error).
  for (const path of ["/api/admin/handoffs", "/api/admin/stats"]) {
    const staff = await fetch(`${service.url}${path}`, {
      headers: { authorization: `Bearer ${service.adminToken}` },
    });
    expect(staff.status, path).toBe(503);
    expect(((await staff.json()) as { error: { code: string } }).error.code, path).toBe("store_unavailable");
  }
  // Out of the load balancer's rotation while the store is away (the last check is cached for 1 s).
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const away = await fetch(`${service.url}/readyz`);
  expect(away.status).toBe(503);
  const readiness = await away.text();
  expect(JSON.parse(readiness)).toMatchObject({ status: "unavailable", store: "unavailable" });
  expect(readiness).not.toContain(s3.env.AWS_SECRET_ACCESS_KEY!);

  await s3.restart();
  const after = await ask("期末專題要幾個人一組？", conversationId);
  expect(after.status).toBe(200);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
  // The reply given during the outage reached the store: its trace and its turn, in order.
  expect((await getTrace(service, thanks.body.traceId)).status).toBe("ok");
  expect((await getTrace(service, first.body.traceId)).status).toBe("ok");
  const history = await service.service.conversations.history(conversationId);
  expect(history.map((turn) => `${turn.turn}:${turn.role}:${turn.content}`).slice(0, 3)).toEqual([
    "0:user:期末專題什麼時候交？",
    `1:assistant:${first.body.answer}`,
    "2:user:謝謝",
  ]);
  expect(history.map((turn) => turn.traceId)).toEqual([
    first.body.traceId,
    first.body.traceId,
    thanks.body.traceId,
    thanks.body.traceId,
    after.body.traceId,
    after.body.traceId,
  ]);
  expect(service.logs.join("\n")).not.toContain(s3.env.AWS_SECRET_ACCESS_KEY!);
}, 90_000);

/** What `npm start`, `npm run ingest` and `npm run search` do first: open the corpus DATA_DIR names. */
async function openFails(extra: Record<string, string>): Promise<string> {
  const env = { ...s3.env, DATA_DIR: "s3://ta/outage", ...extra };
  const failure = await openCorpus(loadConfig(env)).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(failure).toBeInstanceOf(AppError);
  expect((failure as AppError).code).toBe("store_unavailable");
  return (failure as AppError).message;
}

it("stops a start with refused credentials, naming the endpoint and not the secret", async () => {
  const secret = "wrong-secret-key-0123456789";
  const message = await openFails({ AWS_ACCESS_KEY_ID: "NOT-A-KEY", AWS_SECRET_ACCESS_KEY: secret });
  expect(message).toContain(`s3://ta/outage (endpoint ${s3.endpoint})`);
  expect(message).toMatch(/refused the credentials \(HTTP 403\)/);
  expect(message).not.toContain(secret);
});

it("stops a start with an unreachable endpoint, naming it", async () => {
  const unreachable = "http://127.0.0.1:9"; // the discard port: nothing listens there
  const message = await openFails({ AWS_ENDPOINT: unreachable });
  expect(message).toContain(`(endpoint ${unreachable})`);
  expect(message).toMatch(/unreachable/);
});
