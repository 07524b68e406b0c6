/**
 * A local OpenAI-compatible server on 127.0.0.1 serving fixed replies: streamed answers for the TA
 * (LLM_BACKEND=openai) and non-streamed JSON verdicts for the judge. Replies are chosen by the
 * caller's `reply` function from the request's messages; every request is recorded.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeOpenAiRequest {
  stream: boolean;
  authorization?: string;
  messages: { role: string; content: string }[];
}

export interface FakeOpenAi {
  /** Base URL ending in /v1. */
  url: string;
  requests: FakeOpenAiRequest[];
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
  let body = "";
  for await (const chunk of request) body += chunk;
  return body;
}

export async function startFakeOpenAi(reply: (request: FakeOpenAiRequest) => string): Promise<FakeOpenAi> {
  const requests: FakeOpenAiRequest[] = [];
  const server = createServer(async (request, response) => {
    if (request.method !== "POST" || !request.url?.endsWith("/chat/completions")) {
      response.writeHead(404).end();
      return;
    }
    const body = JSON.parse(await readBody(request)) as {
      stream?: boolean;
      messages: FakeOpenAiRequest["messages"];
    };
    const recorded: FakeOpenAiRequest = {
      stream: body.stream === true,
      authorization: request.headers.authorization,
      messages: body.messages,
    };
    requests.push(recorded);
    const text = reply(recorded);
    if (!recorded.stream) {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          id: "fake",
          object: "chat.completion",
          choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
          usage: { prompt_tokens: 10, completion_tokens: 10 },
        }),
      );
      return;
    }
    response.writeHead(200, { "content-type": "text/event-stream" });
    const pieces = text.match(/.{1,8}/gsu) ?? [];
    for (const piece of pieces)
      response.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: piece } }] })}\n\n`);
    response.write(
      `data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }], usage: { prompt_tokens: 100, completion_tokens: pieces.length } })}\n\n`,
    );
    response.end("data: [DONE]\n\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
