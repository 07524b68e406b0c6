/**
 * JSON admin API (access checked in admin-auth.ts: Bearer token or admin session):
 * GET /api/admin/traces?limit=&before=, GET /api/admin/traces/:id,
 * GET /api/admin/retrieval?q= (each retriever's ranking and the fused passages),
 * POST /api/admin/next-token {prompt, topN?, chatTemplate?} (top-N next tokens from the loaded model).
 */
import { Hono } from "hono";
import type { AdminContext } from "../../admin/context.ts";
import { AppError } from "../../errors.ts";
import { formatTraceCursor, parseTraceCursor, type TraceCursor, type TraceStore } from "../../store/index.ts";
import type { Trace } from "../../types.ts";
import { readJsonObject } from "../request.ts";
import { passageJson } from "../responses.ts";

function readLimit(value: string | undefined): number {
  if (value === undefined) return 50;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500)
    throw new AppError("limit must be an integer from 1 to 500", "bad_request");
  return limit;
}

/** `before` is an earlier page's `next`, or an ISO date-time. */
function readBefore(value: string | undefined): TraceCursor | undefined {
  if (value === undefined) return undefined;
  const cursor = parseTraceCursor(value);
  if (!cursor)
    throw new AppError("before must be an ISO date-time, e.g. 2026-11-23T10:00:00Z", "bad_request");
  return cursor;
}

/** Mounted at /api/admin (behind the admin access middleware). */
export function createAdminApi(traces: Pick<TraceStore, "list" | "get">, admin: AdminContext): Hono {
  const app = new Hono();
  // Staff see stable pseudonyms, never raw platform ids, in the API as on the pages.
  const withPseudonym = (trace: Trace): Trace => ({
    ...trace,
    userId: trace.userId ? admin.pseudonymOf(trace.platform, trace.userId) : "",
    conversationId: admin.conversationPseudonymOf(trace.conversationId),
  });

  app.get("/traces", async (c) => {
    const limit = readLimit(c.req.query("limit"));
    const page = await traces.list({ limit, cursor: readBefore(c.req.query("before")) });
    const last = page.length === limit ? page.at(-1) : undefined;
    return c.json({ traces: page.map(withPseudonym), next: last ? formatTraceCursor(last) : null });
  });

  app.get("/traces/:id", async (c) => {
    const trace = await traces.get(c.req.param("id"));
    if (!trace) throw new AppError(`no trace with id ${c.req.param("id")}`, "not_found");
    return c.json(withPseudonym(trace));
  });

  app.get("/retrieval", async (c) => {
    if (!admin.corpus) throw new AppError("corpus management is not available in this setup", "not_found");
    const question = (c.req.query("q") ?? "").trim();
    if (!question) throw new AppError("pass the question as ?q=", "bad_request");
    const result = await admin.corpus.retrieve(question.slice(0, 2000));
    return c.json({
      queryTerms: result.queryTerms,
      retrievalMs: result.retrievalMs,
      passages: result.passages.map(passageJson),
      rankings: result.rankings.map((ranking) => ({
        retriever: ranking.retriever,
        hits: ranking.hits.map((hit, index) => ({
          rank: index + 1,
          score: hit.score,
          source: hit.chunk.documentPath,
          title: hit.chunk.title,
          location: hit.chunk.location,
          text: hit.chunk.text,
        })),
      })),
    });
  });

  app.post("/next-token", async (c) => {
    const body = await readJsonObject(c.req.raw);
    if (typeof body.prompt !== "string" || body.prompt === "")
      throw new AppError("prompt must be a non-empty string", "bad_request");
    const topN = body.topN ?? 10;
    if (typeof topN !== "number" || !Number.isInteger(topN) || topN < 1 || topN > 100) {
      throw new AppError("topN must be an integer from 1 to 100", "bad_request");
    }
    if (!admin.nextTokens) throw new AppError("no model is loaded", "model_unavailable");
    return c.json(await admin.nextTokens(body.prompt, { topN, chatTemplate: body.chatTemplate === true }));
  });
  return app;
}
