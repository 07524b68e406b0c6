/** npm run fixtures -- <dir>: writes the generated test models (<dir>/tiny-embed/, <dir>/tiny-rerank/, <dir>/tiny-chat.gguf). */
import { resolve } from "node:path";
import { AppError } from "../errors.ts";
import { writeFixtures } from "../fixtures/index.ts";
import { runMain } from "./args.ts";

runMain(async () => {
  const dir = process.argv[2];
  if (!dir || dir.startsWith("-")) throw new AppError("usage: npm run fixtures -- <dir>", "bad_request");
  const written = await writeFixtures(resolve(dir));
  process.stdout.write(
    `wrote ${written.embedDir}\nwrote ${written.rerankDir}\nwrote ${written.chatModelPath}\n`,
  );
  return 0;
});
