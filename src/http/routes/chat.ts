/** POST /api/chat (SSE by default, JSON with stream:false) and DELETE /api/conversations/:id. */
import { Hono, type MiddlewareHandler } from "hono";
import { streamSSE } from "hono/streaming";
import { readHttpConversationId } from "../../chat/conversation-ids.ts";
import { type ChatEvent, type ChatService, collectAnswer } from "../../chat/index.ts";
import { AppError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import type { ConversationStore } from "../../store/index.ts";
import { clientGone, readJsonObject } from "../request.ts";
import { eventJson, passageJson, publicErrorEvent } from "../responses.ts";

export interface ChatRoutesDeps {
  chat: ChatService;
  conversations: Pick<ConversationStore, "reset">;
  logger: Logger;
  /** Runs before a question is read (the per-address limit). */
  limitQuestions?: MiddlewareHandler;
}

/** Mounted at /api. */
export function createChatRoutes(deps: ChatRoutesDeps): Hono {
  const app = new Hono();
  if (deps.limitQuestions) app.use("/chat", deps.limitQuestions);

  app.post("/chat", async (c) => {
    const body = await readJsonObject(c.req.raw);
    if (body.stream !== undefined && typeof body.stream !== "boolean") {
      throw new AppError("stream must be true or false", "bad_request");
    }
    const abort = clientGone(c.req.raw);
    // Bad input and a busy model throw here, before any byte: app.onError answers 400 / 503.
    const chat = deps.chat({
      message: body.message as string,
      conversationId: readHttpConversationId(body.conversationId),
      sampling: body.sampling,
      platform: "http",
      userId: typeof body.userId === "string" ? body.userId.slice(0, 128) : "",
      signal: abort.signal,
    });

    if (body.stream === false) {
      const answer = await collectAnswer(chat.events());
      if (answer.error) throw new AppError(answer.error.message, answer.error.code);
      return c.json({
        answer: answer.text,
        passages: answer.passages.map(passageJson),
        traceId: answer.traceId,
        conversationId: answer.conversationId,
        mode: answer.mode,
        usage: answer.usage,
        timings: answer.timings,
        stopReason: answer.stopReason,
      });
    }

    return streamSSE(c, async (stream) => {
      stream.onAbort(() => abort.abort());
      for await (const event of chat.events()) {
        if (abort.signal.aborted) break;
        const wire: ChatEvent =
          event.type === "error" ? publicErrorEvent(event, deps.logger, "POST /api/chat") : event;
        await stream.writeSSE({ event: wire.type, data: JSON.stringify(eventJson(wire)) });
      }
    });
  });

  app.delete("/conversations/:id", async (c) => {
    const id = readHttpConversationId(c.req.param("id"))!;
    const removed = await deps.conversations.reset(id);
    return c.json({ conversationId: id, removedTurns: removed });
  });
  return app;
}
