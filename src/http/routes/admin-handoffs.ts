/**
 * Hand-off queue API (admin access, JSON): GET /api/admin/handoffs?status=open|answered|closed,
 * GET /:id (with the conversation so far), POST /:id/reply {text, saveAsVerified?}, POST /:id/redeliver
 * (send an undelivered reply again), POST /:id/close.
 * Students appear as pseudonyms only.
 */
import { Hono } from "hono";
import type { AdminContext } from "../../admin/context.ts";
import { AppError } from "../../errors.ts";
import type { HandoffDesk } from "../../staff/handoff-desk.ts";
import { ANSWER_MAX_CHARS, readText } from "../../staff/input.ts";
import type { ConversationStore } from "../../store/conversations.ts";
import type { Handoff, HandoffStatus, HandoffStore } from "../../store/handoffs.ts";
import { readJsonObject } from "../request.ts";

const STATUSES: readonly HandoffStatus[] = ["open", "answered", "closed"];

export interface HandoffApiServices {
  store: HandoffStore;
  desk: HandoffDesk;
  conversations: Pick<ConversationStore, "history">;
}

export function handoffJson(handoff: Handoff, admin: Pick<AdminContext, "pseudonymOf">) {
  return {
    id: handoff.id,
    platform: handoff.platform,
    pseudonym: admin.pseudonymOf(handoff.platform, handoff.userId),
    question: handoff.question,
    status: handoff.status,
    createdAt: handoff.createdAt,
    traceId: handoff.traceId,
    reply: handoff.reply,
    repliedAt: handoff.repliedAt,
    delivered: handoff.deliveredAt !== "",
    deliveryError: handoff.deliveryError,
  };
}

export function readStatusFilter(value: string | undefined): HandoffStatus | undefined {
  if (value === undefined || value === "") return undefined;
  if (!STATUSES.includes(value as HandoffStatus))
    throw new AppError("status must be open, answered or closed", "bad_request");
  return value as HandoffStatus;
}

export function createHandoffApi(services: HandoffApiServices, admin: AdminContext): Hono {
  const app = new Hono();

  app.get("/", async (c) => {
    const handoffs = await services.store.list(readStatusFilter(c.req.query("status")));
    return c.json({ handoffs: handoffs.map((handoff) => handoffJson(handoff, admin)) });
  });

  app.get("/:id", async (c) => {
    const handoff = await services.desk.get(c.req.param("id"));
    const turns = await services.conversations.history(handoff.conversationId, 40);
    return c.json({
      ...handoffJson(handoff, admin),
      conversation: turns.map((turn) => ({
        role: turn.role,
        content: turn.content,
        at: turn.createdAt,
        traceId: turn.traceId,
      })),
    });
  });

  app.post("/:id/reply", async (c) => {
    const body = await readJsonObject(c.req.raw);
    const text = readText(body, "text", ANSWER_MAX_CHARS);
    if (body.saveAsVerified !== undefined && typeof body.saveAsVerified !== "boolean")
      throw new AppError("saveAsVerified must be true or false", "bad_request");
    const outcome = await services.desk.reply(c.req.param("id"), text, {
      saveAsVerified: body.saveAsVerified === true,
    });
    return c.json({
      handoff: handoffJson(outcome.handoff, admin),
      delivered: outcome.delivered,
      verifiedAnswerId: outcome.verifiedAnswerId ?? null,
    });
  });

  app.post("/:id/redeliver", async (c) => {
    const outcome = await services.desk.redeliver(c.req.param("id"));
    return c.json({ handoff: handoffJson(outcome.handoff, admin), delivered: outcome.delivered });
  });

  app.post("/:id/close", async (c) => {
    return c.json({ handoff: handoffJson(await services.desk.close(c.req.param("id")), admin) });
  });
  return app;
}
