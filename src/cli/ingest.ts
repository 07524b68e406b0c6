/**
 * npm run ingest [-- --versions | --rollback <version>]
 * Ingests CORPUS_DIR and the web sources (CORPUS_SOURCES) into DATA_DIR incrementally, in one commit,
 * and prints a summary; exits 1 if any file or source failed.
 */
import { existsSync } from "node:fs";
import { loadConfig } from "../config.ts";
import {
  createAppLogger,
  createEmbedder,
  ingestConfiguredCorpus,
  openCorpus,
  rollbackCorpusAndVerified,
} from "../deps.ts";
import { AppError } from "../errors.ts";
import { VerifiedAnswerStore } from "../store/verified-answers.ts";
import { parseCliArgs, runMain } from "./args.ts";
import { createProgressBar } from "./progress.ts";

const USAGE = "usage: npm run ingest [-- --versions | --rollback <version>]";

runMain(async () => {
  const { values } = parseCliArgs(
    process.argv.slice(2),
    { versions: { type: "boolean" }, rollback: { type: "string" }, help: { type: "boolean", short: "h" } },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const config = loadConfig();
  const logger = createAppLogger(config);
  const corpus = await openCorpus(config);

  if (values.versions) {
    const history = await corpus.log.list();
    if (history.length === 0) process.stdout.write("no ingests yet\n");
    for (const entry of history) {
      const counts = `+${entry.added} ~${entry.updated} =${entry.unchanged} -${entry.removed} !${entry.failed}`;
      process.stdout.write(
        `version ${entry.version}\t${entry.at}\t${entry.kind}\t${counts}${entry.note ? `\t${entry.note}` : ""}\n`,
      );
    }
    return 0;
  }
  if (values.rollback !== undefined) {
    const version = Number(values.rollback);
    if (!Number.isInteger(version) || version < 1) {
      throw new AppError(
        `--rollback needs a version number (see --versions), got ${JSON.stringify(values.rollback)}`,
        "bad_request",
      );
    }
    const verified = await VerifiedAnswerStore.open(corpus.database);
    const restored = await rollbackCorpusAndVerified(corpus, verified, version);
    process.stdout.write(`restored version ${version} as version ${restored}\n`);
    return 0;
  }

  if (!existsSync(config.corpusDir)) {
    throw new AppError(
      `CORPUS_DIR ${config.corpusDir} does not exist: create it or point CORPUS_DIR at your documents`,
      "bad_request",
    );
  }
  const embedder = await createEmbedder(config, logger);
  const bar = createProgressBar("embedding");
  // Every web source is checked, whatever its schedule (conditional requests keep that cheap).
  const summary = await ingestConfiguredCorpus(
    config,
    corpus,
    embedder,
    (done, total) => bar.update(done, total),
    "all",
  );
  bar.stop();
  for (const failure of summary.failed) process.stderr.write(`failed: ${failure.path}: ${failure.reason}\n`);
  for (const page of summary.gone ?? []) process.stdout.write(`removed: ${page.path}: ${page.reason}\n`);
  process.stdout.write(
    `ingest: ${summary.added.length} added, ${summary.updated.length} updated, ${summary.unchanged.length} unchanged, ` +
      `${summary.removed.length} removed, ${summary.failed.length} failed; ${summary.chunksWritten} chunks written; ` +
      `version ${summary.version}${summary.rebuilt ? " (full rebuild)" : ""}; ${summary.durationMs} ms\n`,
  );
  return summary.failed.length > 0 ? 1 : 0;
});
