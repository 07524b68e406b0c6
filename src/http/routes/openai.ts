/**
 * OpenAI-compatible API, so any OpenAI client can talk to the TA. The last user message is the
 * question; earlier user/assistant messages are the history (client system messages are ignored:
 * the TA's own system prompt, with its rules and today's date, always applies).
 */
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { streamSSE } from "hono/streaming";
import { readHttpConversationId } from "../../chat/conversation-ids.ts";
import { type ChatEvent, type ChatService, collectAnswer, type DoneEvent } from "../../chat/index.ts";
import { AppError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import { bearerToken, tokensMatch } from "../auth.ts";
import { clientGone, readJsonObject } from "../request.ts";
import { errorResponder, openAiErrorBody, passageJson, publicErrorEvent } from "../responses.ts";

/**
 * With this header (and the INFERENCE_TOKEN), the messages go to the model as sent: how another TA
 * instance uses this one as its inference backend without retrieving and prompting twice.
 */
export const RAW_INFERENCE_HEADER = "x-ta-raw-inference";

/** True when a request asks for raw inference with the right INFERENCE_TOKEN. */
export function isAuthorizedRawInference(headers: Headers, inferenceToken: string | undefined): boolean {
  if (headers.get(RAW_INFERENCE_HEADER) !== "1" || !inferenceToken) return false;
  const token = bearerToken(headers.get("authorization") ?? undefined);
  return token !== undefined && tokensMatch(token, inferenceToken);
}

interface OpenAiMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part) =>
        part && typeof part === "object" && (part as { type?: unknown }).type === "text"
          ? String((part as { text?: unknown }).text ?? "")
          : "",
      )
      .join("");
  }
  throw new AppError("message content must be a string or an array of text parts", "bad_request");
}

function readMessages(value: unknown): OpenAiMessage[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new AppError("messages must be a non-empty array", "invalid_message");
  return value.map((message, index) => {
    const role = (message as { role?: unknown })?.role;
    if (role !== "system" && role !== "user" && role !== "assistant" && role !== "developer") {
      throw new AppError(`messages[${index}].role must be system, user or assistant`, "invalid_message");
    }
    return {
      role: role === "developer" ? "system" : role,
      content: contentText((message as { content?: unknown }).content),
    };
  });
}

const optionalNumber = (value: unknown) => (value === undefined || value === null ? undefined : value);

/** OpenAI's finish_reason: "length" when the token limit cut the answer, "stop" when it ended on its own. */
export function finishReasonOf(event: DoneEvent): "stop" | "length" {
  return event.stopReason === "length" ? "length" : "stop";
}

export interface OpenAiRoutesDeps {
  chat: ChatService;
  modelName: string;
  /** Enables raw inference (see RAW_INFERENCE_HEADER). */
  inferenceToken?: string;
  logger: Logger;
  /** Runs before a question is read (the per-address limit). */
  limitQuestions?: MiddlewareHandler;
}

/** Mounted at /v1; its errors are answered in OpenAI's error shape. */
export function createOpenAiRoutes(deps: OpenAiRoutesDeps): Hono {
  const app = new Hono();
  app.onError(errorResponder(deps.logger, "openai"));
  if (deps.limitQuestions) app.use("/chat/completions", deps.limitQuestions);
  app.get("/models", (c) =>
    c.json({
      object: "list",
      data: [{ id: deps.modelName, object: "model", created: 0, owned_by: "course-ai-ta" }],
    }),
  );
  app.post("/chat/completions", (c) => answerCompletion(c, deps));
  return app;
}
async function answerCompletion(c: Context, deps: OpenAiRoutesDeps): Promise<Response> {
  const body = await readJsonObject(c.req.raw);
  const raw = c.req.header(RAW_INFERENCE_HEADER) === "1";
  if (raw) {
    if (!isAuthorizedRawInference(c.req.raw.headers, deps.inferenceToken)) {
      throw new AppError(
        `${RAW_INFERENCE_HEADER} needs Authorization: Bearer $INFERENCE_TOKEN`,
        "unauthorized",
      );
    }
  }
  // This route keeps no conversation (the client sends the history), but an id that names a LINE
  // or Discord conversation is refused, never ignored: nobody may think they reached one.
  readHttpConversationId(body.conversationId ?? body.conversation_id);
  const allMessages = readMessages(body.messages);
  const messages = allMessages.filter((message) => message.role !== "system");
  const lastUserIndex = messages.map((message) => message.role).lastIndexOf("user");
  if (lastUserIndex < 0) throw new AppError("messages need at least one user message", "invalid_message");
  const history = messages
    .slice(0, lastUserIndex)
    .map((message) => ({ role: message.role as "user" | "assistant", content: message.content }));
  const abort = clientGone(c.req.raw);
  // Bad input and a busy model throw here, before any byte (OpenAI's error shape, see onError).
  const chat = deps.chat({
    message: messages[lastUserIndex]!.content,
    history,
    rawMessages: raw ? allMessages : undefined,
    platform: "openai",
    userId: typeof body.user === "string" ? body.user.slice(0, 128) : "",
    signal: abort.signal,
    sampling: {
      temperature: optionalNumber(body.temperature),
      topP: optionalNumber(body.top_p),
      topK: optionalNumber(body.top_k),
      minP: optionalNumber(body.min_p),
      repeatPenalty: optionalNumber(body.repeat_penalty ?? body.repetition_penalty),
      seed: optionalNumber(body.seed),
      maxTokens: optionalNumber(body.max_completion_tokens ?? body.max_tokens),
    },
  });
  const id = `chatcmpl-${crypto.randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const model = deps.modelName;

  if (body.stream !== true) {
    const answer = await collectAnswer(chat.events());
    if (answer.error) throw new AppError(answer.error.message, answer.error.code);
    const usage = answer.usage ?? { promptTokens: 0, completionTokens: 0 };
    return c.json({
      id,
      object: "chat.completion",
      created,
      model,
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: answer.text },
          finish_reason: answer.done ? finishReasonOf(answer.done) : "stop",
          logprobs: null,
        },
      ],
      usage: {
        prompt_tokens: usage.promptTokens,
        completion_tokens: usage.completionTokens,
        total_tokens: usage.promptTokens + usage.completionTokens,
      },
      passages: answer.passages.map(passageJson),
      trace_id: answer.traceId ?? "",
    });
  }

  return streamSSE(c, async (stream) => {
    stream.onAbort(() => abort.abort());
    const chunk = (
      delta: Record<string, unknown>,
      finishReason: string | null,
      extra: Record<string, unknown> = {},
    ) =>
      stream.writeSSE({
        data: JSON.stringify({
          id,
          object: "chat.completion.chunk",
          created,
          model,
          choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
          ...extra,
        }),
      });
    const handle = async (event: ChatEvent) => {
      if (event.type === "retrieval")
        await chunk({ role: "assistant", content: "" }, null, {
          passages: event.passages.map(passageJson),
        });
      if (event.type === "text-delta") await chunk({ content: event.text }, null);
      if (event.type === "done") await chunk({}, finishReasonOf(event), { trace_id: event.traceId });
      if (event.type === "error") {
        const { code, message } = publicErrorEvent(event, deps.logger, "POST /v1/chat/completions");
        await stream.writeSSE({ data: JSON.stringify(openAiErrorBody(code, message)) });
      }
    };
    for await (const event of chat.events()) {
      if (abort.signal.aborted) break;
      await handle(event);
    }
    await stream.writeSSE({ data: "[DONE]" });
  });
}
