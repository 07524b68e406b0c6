/**
 * Verified answers end to end on the real service: the admin API, a paraphrase served the answer
 * (mode "verified", no model), an unrelated question not, a near one given to the model as a passage.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getTrace, postChat, startTestService, type TestService } from "../helpers/service.ts";

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ env: { COURSE_TIMEZONE: "Asia/Taipei" } });
});
afterAll(async () => {
  await service?.close();
});

function api(path: string, init: RequestInit = {}) {
  return fetch(`${service.url}/api/admin/verified-answers${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${service.adminToken}`,
      "content-type": "application/json",
      ...(init.headers as Record<string, string>),
    },
  });
}

async function ask(message: string) {
  const response = await postChat(service, { message, stream: false });
  expect(response.status).toBe(200);
  return (await response.json()) as {
    answer: string;
    mode: string;
    traceId: string;
    passages: { source: string }[];
  };
}

describe("verified answers", () => {
  let id = "";

  test("POST creates one; GET lists it with its served count", async () => {
    const response = await api("", {
      method: "POST",
      body: JSON.stringify({
        question: "期末專題幾人一組？可以一個人做嗎？",
        answer: "期末專題 3 到 4 人一組，原則上不接受一人一組。",
        sources: [{ title: "課程大綱 › 期末專題", link: "https://example.edu/syllabus#project" }],
      }),
    });
    expect(response.status).toBe(201);
    const created = (await response.json()) as { id: string; servedCount: number };
    id = created.id;
    expect(created.servedCount).toBe(0);
    const list = (await (await api("")).json()) as { verifiedAnswers: { id: string }[] };
    expect(list.verifiedAnswers.map((answer) => answer.id)).toContain(id);
  });

  test("a paraphrase gets it at once: mode verified, the mark with its date, its sources, a linked trace", async () => {
    const reply = await ask("final project 一組要幾個人");
    expect(reply.mode).toBe("verified");
    expect(reply.answer).toContain("期末專題 3 到 4 人一組");
    expect(reply.answer).toMatch(/✓ 助教確認的答案（\d{4}-\d{2}-\d{2}）/);
    expect(reply.answer).toContain("https://example.edu/syllabus#project");
    const trace = await getTrace(service, reply.traceId);
    expect(trace.mode).toBe("verified");
    expect(trace.prompt).toBe(""); // no model
    expect(trace.passages[0]?.documentPath).toBe(`verified/${id}`);
    const served = (await (await api(`/${id}`)).json()) as { servedCount: number };
    expect(served.servedCount).toBe(1);
  });

  test("an unrelated question is not served it", async () => {
    const reply = await ask("推薦台北好吃的牛肉麵");
    expect(reply.mode).not.toBe("verified");
    expect(reply.answer).not.toContain("助教確認的答案");
  });

  test("a close question goes to the model with the verified answer as its first passage", async () => {
    const reply = await ask("期末專題要報告多久");
    expect(reply.mode).not.toBe("verified");
    const trace = await getTrace(service, reply.traceId);
    expect(trace.passages[0]?.documentPath).toBe(`verified/${id}`);
  });

  test("PATCH retires it: the paraphrase then goes to the model", async () => {
    const response = await api(`/${id}`, { method: "PATCH", body: JSON.stringify({ status: "retired" }) });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { status: string }).status).toBe("retired");
    expect((await ask("final project 一組要幾個人")).mode).not.toBe("verified");
  });

  test("bad input: 4xx naming the field; unknown ids 404", async () => {
    const cases: [RequestInit, string, number][] = [
      [{ method: "POST", body: JSON.stringify({ question: "", answer: "a" }) }, "question", 400],
      [{ method: "POST", body: JSON.stringify({ question: "q", answer: "x".repeat(4001) }) }, "answer", 400],
      [
        {
          method: "POST",
          body: JSON.stringify({ question: "q", answer: "a", sources: [{ link: "javascript:x" }] }),
        },
        "sources[0].link",
        400,
      ],
      [
        { method: "POST", body: JSON.stringify({ question: "q", answer: "a", traceId: "no-such-trace" }) },
        "traceId",
        400,
      ],
    ];
    for (const [init, field, status] of cases) {
      const response = await api("", init);
      expect(response.status).toBe(status);
      expect(((await response.json()) as { error: { message: string } }).error.message).toContain(field);
    }
    expect(
      (await api("/no-such-id", { method: "PATCH", body: JSON.stringify({ answer: "x" }) })).status,
    ).toBe(404);
    expect((await api("/no-such-id", { method: "DELETE" })).status).toBe(404);
    expect((await fetch(`${service.url}/api/admin/verified-answers`)).status).toBe(401);
  });

  test("DELETE removes it", async () => {
    expect((await api(`/${id}`, { method: "DELETE" })).status).toBe(200);
    expect((await api(`/${id}`)).status).toBe(404);
  });
});
