/**
 * The folder half of an admin rollback. Only files the rollback can put back are touched: a file
 * whose content is what the current version holds (archived, and named by that version). Anything
 * else (never ingested, failed to parse, edited since the last ingest) stays where it is.
 * New files are staged in a dot-folder first (which ingest ignores), swapped in with renames, and
 * the replaced files kept aside until the database step has succeeded, so the swap can be undone.
 */
import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { documentPathProblem, realPathProblem } from "../corpus-rules.ts";
import { errorMessage } from "../errors.ts";
import type { DocumentSummary } from "../store/index.ts";
import type { CorpusArchive } from "./corpus-files.ts";

export interface FolderStep {
  /** Corpus-relative path. */
  path: string;
  /** The file on disk goes aside (it is replaced or removed). */
  moveAside: boolean;
  /** What the restored version holds at `path`; undefined: the file is removed. */
  content?: Buffer;
}

export interface FolderPlan {
  steps: FolderStep[];
  warnings: string[];
  /** Why the folder cannot take the version (a symbolic link or a file where a folder must go). */
  blocked: string[];
}

function hashes(documents: DocumentSummary[]): Map<string, string> {
  return new Map(documents.map((document) => [document.documentPath, document.contentHash]));
}

/**
 * What the folder must do to hold the `target` version's documents. `present`: path -> content
 * hash of the documents on disk (already archived); `current`: the version in the database now.
 */
export async function planFolderRollback(input: {
  corpusDir: string;
  extensions: readonly string[];
  archive: CorpusArchive;
  present: Map<string, string>;
  current: DocumentSummary[];
  target: DocumentSummary[];
}): Promise<FolderPlan> {
  const current = hashes(input.current);
  const target = hashes(input.target);
  const paths = [...new Set([...input.present.keys(), ...current.keys(), ...target.keys()])].sort();
  const steps: FolderStep[] = [];
  const warnings: string[] = [];
  const blocked: string[] = [];
  for (const path of paths) {
    // Web sources (CORPUS_SOURCES) have no file in the folder: the database alone restores them.
    if (/^https?:\/\//i.test(path)) continue;
    const onDisk = input.present.get(path);
    const wanted = target.get(path);
    if (onDisk === wanted) continue;
    if (onDisk !== undefined && onDisk !== current.get(path)) {
      warnings.push(
        `${path} was left in the folder as it is: its content is not the one the current version holds ` +
          "(not ingested, failed to ingest, or changed since), so it could not be put back later",
      );
      continue;
    }
    if (wanted === undefined) {
      steps.push({ path, moveAside: true });
      continue;
    }
    // A path an earlier release ingested (inside a dot-folder, say) is not a corpus document now.
    const ruleProblem = documentPathProblem(path, input.extensions);
    if (ruleProblem) {
      warnings.push(`${path} ${ruleProblem}: it was not put back in the folder`);
      continue;
    }
    const diskProblem = await realPathProblem(input.corpusDir, path);
    if (diskProblem) {
      blocked.push(`${path} ${diskProblem}`);
      continue;
    }
    const content = await input.archive.read(wanted);
    if (!content) {
      warnings.push(
        `${path}: this version's file is not in the archive; ${onDisk ? "the folder keeps the current file" : "the folder has no file for it"}`,
      );
      continue;
    }
    steps.push({ path, moveAside: onDisk !== undefined, content });
  }
  return { steps, warnings, blocked };
}

/** A staged set of folder changes that can be applied, then undone or made final. */
export class FolderSwap {
  private readonly done: { path: string; kind: "moved" | "placed" }[] = [];

  private constructor(
    private readonly corpusDir: string,
    private readonly staging: string,
    private readonly steps: FolderStep[],
  ) {}

  /** Writes every new file into a staging dot-folder; nothing in the corpus changes yet. */
  static async stage(corpusDir: string, steps: FolderStep[]): Promise<FolderSwap> {
    const staging = join(corpusDir, `.rollback-${randomBytes(6).toString("hex")}`);
    const swap = new FolderSwap(corpusDir, staging, steps);
    try {
      for (const step of steps) {
        if (!step.content) continue;
        await mkdir(dirname(swap.staged("new", step.path)), { recursive: true });
        await writeFile(swap.staged("new", step.path), step.content);
      }
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw error;
    }
    return swap;
  }

  private staged(side: "new" | "old", path: string): string {
    return join(this.staging, side, ...path.split("/"));
  }

  private inCorpus(path: string): string {
    return join(this.corpusDir, ...path.split("/"));
  }

  /** Moves replaced and removed files aside and the staged ones in. Throws at the first failure (undo() then). */
  async apply(): Promise<void> {
    for (const step of this.steps) {
      if (step.moveAside) {
        await mkdir(dirname(this.staged("old", step.path)), { recursive: true });
        await rename(this.inCorpus(step.path), this.staged("old", step.path));
        this.done.push({ path: step.path, kind: "moved" });
      }
      if (step.content) {
        await mkdir(dirname(this.inCorpus(step.path)), { recursive: true });
        await rename(this.staged("new", step.path), this.inCorpus(step.path));
        this.done.push({ path: step.path, kind: "placed" });
      }
    }
  }

  /**
   * Puts the folder back as it was. Returns what could not be put back (the replaced files then
   * stay in the staging folder, named), or undefined when everything was.
   */
  async undo(): Promise<string | undefined> {
    const problems: string[] = [];
    for (const entry of [...this.done].reverse()) {
      try {
        if (entry.kind === "placed") await rm(this.inCorpus(entry.path), { force: true });
        else await rename(this.staged("old", entry.path), this.inCorpus(entry.path));
      } catch (error) {
        problems.push(`${entry.path}: ${errorMessage(error)}`);
      }
    }
    this.done.length = 0;
    if (problems.length === 0) {
      await rm(this.staging, { recursive: true, force: true });
      return undefined;
    }
    return `the folder could not be put back completely (${problems.join("; ")}); the replaced files are in ${join(this.staging, "old")}`;
  }

  /** The swap stays: drops the staging folder (replaced files are archived and named by the previous version). */
  async finish(): Promise<void> {
    await rm(this.staging, { recursive: true, force: true });
  }
}
