/**
 * The bots' state that outlives a restart, in one JSON-lines file (BOT_STATE_FILE):
 * - `{"messageId","traceId"}`: which trace a bot message answered (AnswerIndex), for 👍 / 👎;
 * - `{"lineEvent","at"}`: a LINE webhookEventId already handled (SeenEvents), so a redelivered or
 *   replayed webhook is not answered again, after a restart too.
 * Both are bounded in memory; the file is rewritten with only the live records when it opens and,
 * while running, whenever it has grown past twice those (re-reading it first, so lines other
 * writers appended are kept). Without a file both live in memory only.
 */
import type { Logger } from "../log.ts";
import { SeenEvents } from "../seen-events.ts";
import { AnswerIndex } from "./answer-index.ts";
import { StateFile } from "./state-file.ts";

export interface BotStateOptions {
  /** BOT_STATE_FILE. Default: none (memory only; lost on restart). */
  file?: string;
  /** Answers remembered. Default: 20,000. */
  answerCapacity?: number;
  /** LINE event ids remembered (and the oldest LINE event answered). Default: 50,000 for 24 hours. */
  lineEvents?: { capacity?: number; ttlMs?: number };
  logger?: Logger;
  /** Clock for the seen events (tests). Default: Date.now. */
  now?: () => number;
}

export interface BotState {
  answers: AnswerIndex;
  lineEvents: SeenEvents;
  /** Waits for pending file writes. */
  close(): Promise<void>;
}

/** The file is not rewritten while it holds fewer lines than this. */
const MIN_LINES_TO_COMPACT = 4096;

export async function openBotState(options: BotStateOptions = {}): Promise<BotState> {
  const file = options.file ? new StateFile(options.file, options.logger) : undefined;
  const create = (persist: boolean) => ({
    answers: new AnswerIndex({
      capacity: options.answerCapacity,
      onRemember: persist ? (messageId, traceId) => record({ messageId, traceId }) : undefined,
    }),
    lineEvents: new SeenEvents({
      ...options.lineEvents,
      now: options.now,
      onSeen: persist ? (lineEvent, at) => record({ lineEvent, at }) : undefined,
    }),
  });
  const state = create(true);

  // The live records in the file (a fresh read, so other writers' lines count too).
  const liveRecords = async (): Promise<object[]> => {
    const live = create(false);
    restoreRecords(live, (await file?.read()) ?? []);
    return snapshot(live);
  };
  let compacting = false;
  const record = (line: object) => {
    if (!file) return;
    file.append(line);
    const live = state.answers.size + state.lineEvents.size;
    if (compacting || file.lines < MIN_LINES_TO_COMPACT || file.lines <= 2 * live) return;
    compacting = true;
    void file.rewrite(liveRecords).finally(() => {
      compacting = false;
    });
  };

  if (file) {
    restoreRecords(state, await file.read());
    // Once per start: drop forgotten and expired records (and other writers' duplicates).
    if (file.lines > state.answers.size + state.lineEvents.size) await file.rewrite(() => snapshot(state));
  }
  return { ...state, close: async () => file?.close() };
}

type Records = Pick<BotState, "answers" | "lineEvents">;

function restoreRecords(state: Records, records: Record<string, unknown>[]): void {
  for (const record of records) {
    if (typeof record.messageId === "string" && typeof record.traceId === "string")
      state.answers.restore(record.messageId, record.traceId);
    else if (typeof record.lineEvent === "string" && typeof record.at === "number")
      state.lineEvents.restore(record.lineEvent, record.at);
  }
}

function snapshot(state: Records): object[] {
  return [
    ...state.answers.links().map(([messageId, traceId]) => ({ messageId, traceId })),
    ...state.lineEvents.entries().map(([lineEvent, at]) => ({ lineEvent, at })),
  ];
}
