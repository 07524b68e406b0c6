/** /admin/playground (chat with adjustable sampling) and /admin/playground/next-token. */
import type { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { collectAnswer } from "../chat/index.ts";
import { errorMessage } from "../errors.ts";
import type { AdminContext } from "./context.ts";
import { readForm } from "./forms.ts";
import { ErrorPage, renderPage } from "./pages/layout.tsx";
import { NextTokenPage, type PlaygroundAnswer, PlaygroundPage } from "./pages/playground.tsx";
import type { NextTokenResult } from "./services.ts";

export const PLAYGROUND_USER_ID = "admin-playground";
const SAMPLING_FIELDS = ["temperature", "topP", "topK", "maxTokens"] as const;
const PROMPT_MAX_CHARS = 8000;

export function registerPlaygroundPages(admin: Hono, context: AdminContext): void {
  // The server refuses answers longer than its default length (LLM_MAX_TOKENS): the form says so.
  const maxTokensCap = context.samplingDefaults?.maxTokens;
  admin.get("/playground", (c) =>
    renderPage(c, <PlaygroundPage sampling={context.samplingDefaults} maxTokensCap={maxTokensCap} />),
  );

  // Without JavaScript the form posts here and the whole answer is shown at once.
  const formLimit = bodyLimit({
    maxSize: 64 * 1024,
    onError: (c) =>
      renderPage(c, <ErrorPage title="Form too large" message="That question is too long." />, 413),
  });
  admin.post("/playground", formLimit, async (c) => {
    const body = await readForm(c);
    const message = typeof body["message"] === "string" ? body["message"] : "";
    const sampling: Record<string, number> = {};
    for (const name of SAMPLING_FIELDS) {
      const value = typeof body[name] === "string" ? (body[name] as string).trim() : "";
      if (value !== "") sampling[name] = Number(value);
    }
    const result: PlaygroundAnswer = { passages: [], answer: "" };
    try {
      const chat = context.chat({ message, sampling, platform: "http", userId: PLAYGROUND_USER_ID });
      const answer = await collectAnswer(chat.events());
      result.traceId = answer.traceId;
      result.passages = answer.passages.map((passage) => ({ ...passage.chunk, score: passage.score }));
      result.answer = answer.text;
      if (answer.error) result.error = answer.error.message;
    } catch (error) {
      result.error = errorMessage(error); // refused before answering: bad sampling, busy model
    }
    const shown = { ...context.samplingDefaults, ...sampling } as AdminContext["samplingDefaults"];
    return renderPage(
      c,
      <PlaygroundPage sampling={shown} maxTokensCap={maxTokensCap} message={message} result={result} />,
      result.error ? 400 : 200,
    );
  });

  admin.get("/playground/next-token", async (c) => {
    const prompt = (c.req.query("prompt") ?? "").slice(0, PROMPT_MAX_CHARS);
    const chatTemplate = c.req.query("chat") === "1";
    const page = (result?: NextTokenResult, error?: string) => (
      <NextTokenPage
        prompt={prompt || "1+1="}
        chatTemplate={chatTemplate}
        result={result}
        error={error}
        modelName={context.modelName}
      />
    );
    if (!prompt) return renderPage(c, page());
    if (!context.nextTokens)
      return renderPage(c, page(undefined, "No model is loaded: next-token probabilities need one."), 503);
    try {
      return renderPage(c, page(await context.nextTokens(prompt, { topN: 10, chatTemplate })));
    } catch (error) {
      return renderPage(c, page(undefined, errorMessage(error)), 400);
    }
  });
}
