/** POST /api/chat (SSE by default, JSON with stream:false) and DELETE /api/conversations/:id. */
import type { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { readHttpConversationId } from "../../chat/conversation-ids.ts";
import type { ChatEvent } from "../../chat/index.ts";
import { AppError } from "../../errors.ts";
import type { Passage } from "../../types.ts";
import { type HttpServices, publicErrorEvent, readJsonObject, startChat } from "../app.ts";

export function passageJson(passage: Passage) {
  return {
    rank: passage.rank,
    score: passage.score,
    text: passage.chunk.text,
    source: passage.chunk.documentPath,
    title: passage.chunk.title,
    location: passage.chunk.location,
    link: passage.chunk.link,
    retrievers: passage.retrievers,
  };
}

/** The JSON form of an event as sent on the wire (passages flattened for clients). */
export function eventJson(event: ChatEvent): Record<string, unknown> {
  if (event.type === "retrieval") return { ...event, passages: event.passages.map(passageJson) };
  return { ...event };
}

export function registerChatRoutes(app: Hono, services: HttpServices): void {
  app.post("/api/chat", async (c) => {
    const body = await readJsonObject(c.req.raw);
    if (body.stream !== undefined && typeof body.stream !== "boolean") {
      throw new AppError("stream must be true or false", "bad_request");
    }
    const abort = new AbortController();
    c.req.raw.signal?.addEventListener("abort", () => abort.abort(), { once: true });
    const generator = services.chat({
      message: body.message as string,
      conversationId: readHttpConversationId(body.conversationId),
      sampling: body.sampling,
      platform: "http",
      userId: typeof body.userId === "string" ? body.userId.slice(0, 128) : "",
      signal: abort.signal,
    });
    const { first, events } = await startChat(generator);

    if (body.stream === false) {
      let answer = "";
      let result: Record<string, unknown> = {};
      const all = first ? [first] : [];
      for await (const event of events) all.push(event);
      for (const event of all) {
        if (event.type === "retrieval") result = { ...result, passages: event.passages.map(passageJson) };
        if (event.type === "text-delta") answer += event.text;
        if (event.type === "done") result = { ...result, ...event, type: undefined };
        if (event.type === "error") throw new AppError(event.message, event.code as never);
      }
      return c.json({ answer, ...result });
    }

    return streamSSE(c, async (stream) => {
      stream.onAbort(() => abort.abort());
      const send = (event: ChatEvent) => {
        const sent =
          event.type === "error" ? publicErrorEvent(event, services.logger, "POST /api/chat") : event;
        return stream.writeSSE({ event: sent.type, data: JSON.stringify(eventJson(sent)) });
      };
      if (first) await send(first);
      for await (const event of events) {
        if (abort.signal.aborted) break;
        await send(event);
      }
    });
  });

  app.delete("/api/conversations/:id", async (c) => {
    const id = readHttpConversationId(c.req.param("id"))!;
    const removed = await services.conversations.reset(id);
    return c.json({ conversationId: id, removedTurns: removed });
  });
}
