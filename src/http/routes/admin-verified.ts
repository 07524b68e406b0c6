/**
 * Verified answers API (admin access, JSON): GET /api/admin/verified-answers,
 * POST {question, answer, sources?, traceId?, expiresAt?}, PATCH /:id (any of those and status),
 * DELETE /:id.
 */
import { Hono } from "hono";
import { AppError } from "../../errors.ts";
import {
  ANSWER_MAX_CHARS,
  QUESTION_MAX_CHARS,
  readExpiry,
  readOptionalId,
  readOptionalText,
  readSources,
  readStatus,
  readText,
} from "../../staff/input.ts";
import type { VerifiedAnswer, VerifiedAnswerStore } from "../../store/verified-answers.ts";
import { readJsonObject } from "../request.ts";

export interface VerifiedApiServices {
  store: VerifiedAnswerStore;
  /** Called after every change, so the next question sees it. */
  changed(): Promise<void>;
  /** Whether a trace id exists (a verified answer may only link a real trace). */
  traceExists(id: string): Promise<boolean>;
}

export function verifiedAnswerJson(answer: VerifiedAnswer, servedCount: number) {
  return { ...answer, servedCount };
}

export function createVerifiedApi(services: VerifiedApiServices): Hono {
  const app = new Hono();
  const { store } = services;

  app.get("/", async (c) => {
    const counts = await store.servedCounts();
    const answers = await store.list();
    return c.json({
      verifiedAnswers: answers.map((answer) => verifiedAnswerJson(answer, counts.get(answer.id) ?? 0)),
    });
  });

  app.get("/:id", async (c) => {
    const answer = await store.get(c.req.param("id"));
    if (!answer) throw new AppError(`there is no verified answer ${c.req.param("id")}`, "not_found");
    return c.json(verifiedAnswerJson(answer, (await store.servedCounts()).get(answer.id) ?? 0));
  });

  app.post("/", async (c) => {
    const body = await readJsonObject(c.req.raw);
    const question = readText(body, "question", QUESTION_MAX_CHARS);
    const answerText = readText(body, "answer", ANSWER_MAX_CHARS);
    const sources = readSources(body);
    const expiresAt = readExpiry(body);
    const traceId = readOptionalId(body, "traceId");
    if (traceId && !(await services.traceExists(traceId)))
      throw new AppError(`traceId ${traceId} is not a known trace`, "bad_request");
    const answer = await store.add({ question, answer: answerText, sources, expiresAt, traceId });
    await services.changed();
    return c.json(verifiedAnswerJson(answer, 0), 201);
  });

  app.patch("/:id", async (c) => {
    const body = await readJsonObject(c.req.raw);
    const patch = {
      question: readOptionalText(body, "question", QUESTION_MAX_CHARS),
      answer: readOptionalText(body, "answer", ANSWER_MAX_CHARS),
      sources: readSources(body),
      expiresAt: readExpiry(body),
      status: readStatus(body),
    };
    const defined = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
    if (Object.keys(defined).length === 0)
      throw new AppError("send at least one of question, answer, sources, status, expiresAt", "bad_request");
    const answer = await store.update(c.req.param("id"), defined);
    await services.changed();
    return c.json(verifiedAnswerJson(answer, (await store.servedCounts()).get(answer.id) ?? 0));
  });

  app.delete("/:id", async (c) => {
    await store.remove(c.req.param("id"));
    await services.changed();
    return c.json({ deleted: c.req.param("id") });
  });
  return app;
}
