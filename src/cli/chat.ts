/** npm run chat: a terminal chat that streams answers and lists the sources under each. */
import { createInterface } from "node:readline/promises";
import { newConversationId } from "../chat/conversation-ids.ts";
import type { PreparedChat } from "../chat/index.ts";
import { loadConfig } from "../config.ts";
import { createAppLogger, createService } from "../deps.ts";
import { errorMessage } from "../errors.ts";
import type { Passage } from "../types.ts";
import { runMain } from "./args.ts";
import { createProgressBar } from "./progress.ts";

function sourceLine(passage: Passage): string {
  const where = [passage.chunk.title, passage.chunk.location].filter(Boolean).join(" · ");
  return `  [${passage.rank}] ${where}${passage.chunk.link ? ` — ${passage.chunk.link}` : ""}`;
}

runMain(async () => {
  const config = loadConfig();
  const logger = createAppLogger(config);
  const service = await createService(config, logger, { bots: false, progress: createProgressBar });
  const conversationId = `cli-${newConversationId()}`;
  const terminal = createInterface({ input: process.stdin, output: process.stdout });
  process.stdout.write("Ask a question about the course (/reset starts over, /exit or Ctrl-D quits).\n");
  // Lines are read as a stream, so a question typed (or pasted) while an answer streams waits its turn.
  terminal.setPrompt("\n你> ");
  terminal.prompt();
  try {
    for await (const line of terminal) {
      const question = line.trim();
      if (!question) {
        terminal.prompt();
        continue;
      }
      if (question === "/exit") break;
      if (question === "/reset") {
        await service.conversations.reset(conversationId);
        process.stdout.write("(conversation cleared)\n");
        terminal.prompt();
        continue;
      }
      let passages: Passage[] = [];
      process.stdout.write("TA> ");
      let chat: PreparedChat;
      try {
        chat = service.chat({ message: question, conversationId, platform: "cli", userId: "terminal" });
      } catch (error) {
        // A refused question (too long, busy) is said and the chat goes on.
        process.stdout.write(`(${errorMessage(error)})\n`);
        terminal.prompt();
        continue;
      }
      for await (const event of chat.events()) {
        if (event.type === "retrieval") passages = event.passages;
        if (event.type === "text-delta") process.stdout.write(event.text);
        if (event.type === "error") process.stdout.write(`\n(error: ${event.message})`);
        if (event.type === "done") {
          process.stdout.write(`\n\nsources (${event.mode}, ${event.timings.totalMs} ms):\n`);
          process.stdout.write(`${passages.map(sourceLine).join("\n")}\n`);
        }
      }
      terminal.prompt();
    }
  } finally {
    terminal.close();
    await service.close();
  }
  return 0;
});
