/**
 * The servable verified answers, held in memory and matched against each question (verified-match.ts).
 * The list is reloaded when the table's version changes (another replica, the admin page), looked at
 * most once a second; question vectors are computed once per answer text.
 */
import type { Embedder } from "../embed/index.ts";
import { isServable, type VerifiedAnswer, type VerifiedAnswerStore } from "../store/verified-answers.ts";
import type { Glossary } from "../text/glossary.ts";
import {
  createVerifiedMatcher,
  type VerifiedMatch,
  type VerifiedMatcher,
  type VerifiedMatchThresholds,
} from "./verified-match.ts";

export interface VerifiedHit {
  answer: VerifiedAnswer;
  match: VerifiedMatch;
}

export interface VerifiedIndexOptions {
  store: Pick<VerifiedAnswerStore, "list" | "version" | "recordServed">;
  embedder: Embedder | null;
  thresholds: VerifiedMatchThresholds;
  /** The staff glossary: its synonyms count as the same term. Default none. */
  glossary?: Glossary;
  now?: () => Date;
  /** Shortest time between two version checks, in ms. Default 1000. */
  refreshMs?: number;
}

export class VerifiedIndex {
  private answers: VerifiedAnswer[] = [];
  /** Matchers over the servable answers, rebuilt when the list or the time of day changes which. */
  private matcher: { key: string; matcher: VerifiedMatcher } | undefined;
  private loadedVersion = -1;
  private checkedAt = 0;
  private loading: Promise<void> | undefined;
  private readonly vectors = new Map<string, number[]>();

  constructor(private readonly options: VerifiedIndexOptions) {}

  /** Reloads the list when the table changed (at most one check per refreshMs unless forced). */
  async refresh(force = false): Promise<void> {
    const now = Date.now();
    if (!force && now - this.checkedAt < (this.options.refreshMs ?? 1000)) return;
    this.checkedAt = now;
    this.loading ??= this.reload().finally(() => {
      this.loading = undefined;
    });
    await this.loading;
  }

  private async reload(): Promise<void> {
    const version = await this.options.store.version();
    if (version === this.loadedVersion) return;
    const answers = await this.options.store.list();
    const embedder = this.options.embedder;
    const missing = answers.filter((answer) => embedder && !this.vectors.has(answer.question));
    if (embedder && missing.length > 0) {
      const vectors = await embedder.embedQueries(missing.map((answer) => answer.question));
      for (const [index, answer] of missing.entries()) this.vectors.set(answer.question, vectors[index]!);
    }
    this.answers = answers;
    this.loadedVersion = version;
  }

  /** The matcher over the answers servable now (an expiry passing changes which). */
  private current(): VerifiedMatcher | undefined {
    const now = (this.options.now ?? (() => new Date()))();
    const servable = this.answers.filter((answer) => isServable(answer, now));
    if (servable.length === 0) return undefined;
    const key = `${this.loadedVersion}:${servable.map((answer) => answer.id).join(",")}`;
    if (this.matcher?.key !== key) {
      const candidates = servable.map((answer) => ({
        id: answer.id,
        question: answer.question,
        answer: answer.answer,
        vector: this.vectors.get(answer.question),
      }));
      this.matcher = {
        key,
        matcher: createVerifiedMatcher(candidates, this.options.thresholds, {
          glossary: this.options.glossary,
        }),
      };
    }
    return this.matcher.matcher;
  }

  /** Full-text only, on the list as last loaded: lets a matching question skip the model's queue. */
  matchLoaded(question: string): VerifiedHit | undefined {
    return this.toHit(this.current()?.match(question));
  }

  /** The best match with the list refreshed, using embeddings when loaded. */
  async match(question: string): Promise<VerifiedHit | undefined> {
    await this.refresh();
    const matcher = this.current();
    if (!matcher) return undefined;
    const queryVector = this.options.embedder
      ? (await this.options.embedder.embedQueries([question]))[0]
      : undefined;
    return this.toHit(matcher.match(question, queryVector));
  }

  recordServed(answerId: string, traceId: string): Promise<void> {
    return this.options.store.recordServed(answerId, traceId);
  }

  private toHit(match: VerifiedMatch | undefined): VerifiedHit | undefined {
    const answer = match && this.answers.find((candidate) => candidate.id === match.id);
    return answer && match ? { answer, match } : undefined;
  }
}
