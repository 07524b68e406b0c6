/**
 * A chat whose timing and length the test controls (the tiny model's answers are short), and a
 * trace store that remembers who asked each answer, for the Discord tests with scripted answers.
 */
import type { ChatEvent, ChatInput, ChatService } from "../../src/chat/index.ts";
import type { Passage, Trace } from "../../src/types.ts";

export const scriptedPassages: Passage[] = [1, 2].map((rank) => ({
  rank,
  score: 1 / rank,
  retrievers: [],
  chunk: {
    id: `c${rank}`,
    documentPath: "syllabus.md",
    title: "課程大綱",
    location: rank === 1 ? "評分" : "作業",
    link: `https://example.edu/syllabus#${rank}`,
    text: "…",
    position: rank,
    contentHash: "h",
  },
}));

/** The two trace-store methods the bots use; `votes` lists every vote stored, oldest first. */
export class ScriptedTraces {
  readonly votes: [string, "up" | "down"][] = [];
  private readonly asked = new Map<string, Pick<Trace, "platform" | "userId" | "conversationId">>();

  record(traceId: string, input: ChatInput): void {
    this.asked.set(traceId, {
      platform: input.platform,
      userId: input.userId ?? "",
      conversationId: input.conversationId ?? "c",
    });
  }

  async get(id: string): Promise<Trace | undefined> {
    const asked = this.asked.get(id);
    return asked ? ({ id, ...asked } as Trace) : undefined;
  }

  async setFeedback(id: string, vote: "up" | "down"): Promise<boolean> {
    if (!this.asked.has(id)) return false;
    this.votes.push([id, vote]);
    return true;
  }
}

/** A chat that streams `pieces` with `delayMs` between them, like runChat would; traces are trace-1, trace-2, … */
export function scriptedChat(pieces: string[], delayMs: number, traces?: ScriptedTraces) {
  const inputs: ChatInput[] = [];
  const chat: ChatService = (input) => {
    inputs.push(input);
    const traceId = `trace-${inputs.length}`;
    traces?.record(traceId, input);
    const conversationId = input.conversationId ?? "c";
    return {
      conversationId,
      traceId,
      events: () => scriptedEvents(pieces, delayMs, conversationId, traceId),
    };
  };
  return { chat, inputs };
}

async function* scriptedEvents(
  pieces: string[],
  delayMs: number,
  conversationId: string,
  traceId: string,
): AsyncGenerator<ChatEvent> {
  yield { type: "retrieval", conversationId, traceId, passages: scriptedPassages };
  for (const text of pieces) {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    yield { type: "text-delta", text };
  }
  yield {
    type: "done",
    traceId,
    conversationId,
    mode: "answer",
    usage: { promptTokens: 1, completionTokens: pieces.length },
    timings: { retrievalMs: 1, firstTokenMs: 1, totalMs: 1, tokensPerSecond: 1 },
  };
}
