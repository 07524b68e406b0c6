/** npm start: ingest if the corpus changed, load the models, serve HTTP (and bots when configured). */
import { loadConfig } from "../config.ts";
import { createAppLogger, createService } from "../deps.ts";
import { startHttpServer } from "../http/server.ts";
import { runMain } from "./args.ts";
import { createProgressBar } from "./progress.ts";

runMain(async () => {
  const config = loadConfig();
  const logger = createAppLogger(config);
  const service = await createService(config, logger, { progress: createProgressBar });
  const { ingest } = service;
  logger.info(
    config.ingestOnStart
      ? `corpus: ${ingest.added.length} added, ${ingest.updated.length} updated, ${ingest.unchanged.length} unchanged, ` +
          `${ingest.removed.length} removed, ${ingest.failed.length} failed`
      : `corpus: not ingested here (INGEST_ON_START=false); serving ${ingest.unchanged.length} documents ingested by another process`,
  );
  const server = await startHttpServer(service.app, config.host, config.port);
  if (service.adminTokenGenerated) {
    // Printed once, straight to the console, never through the logger (which masks secrets).
    process.stdout.write(
      "ADMIN_TOKEN is not set, so a random one was generated for this run.\n" +
        `One-time admin login link (valid once, 15 minutes): ${service.adminLoginLink(server.url)}\n`,
    );
  }
  process.stdout.write(`course AI TA listening on ${server.url}\n`);

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  logger.info("shutting down");
  await server.close();
  await service.close();
  return 0;
});
