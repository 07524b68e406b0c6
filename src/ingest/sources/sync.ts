/**
 * Keeps the web sources (CORPUS_SOURCES) in step with the corpus. Each run checks the sources that
 * are due (or all), with conditional requests, a few at a time; it hands ingest the pages that came
 * back with content, the ones to keep as they are (unchanged, not due, or failing: the last good
 * version stays), and the ones gone for good. Source state is saved after ingest commits, and only
 * when something changed.
 */
import { createHash } from "node:crypto";
import { errorMessage } from "../../errors.ts";
import type { SourceState, SourceStateStore } from "../../store/index.ts";
import type { LoadedDocument } from "../../types.ts";
import { extensionForDownload, loadDocument } from "../loaders/index.ts";
import { type FetchOptions, type FetchOutcome, fetchSource, type Validators } from "./fetch-source.ts";
import { isSitemap, isSitemapIndex, MAX_PAGES, sitemapIndexChildren, sitemapPages } from "./sitemap.ts";
import type { SourceEntry } from "./source-list.ts";

export interface SourcePage {
  /** The page URL: its document path in the store. */
  path: string;
  hash: string;
  document: LoadedDocument;
}

export interface SourceBatch {
  fetched: SourcePage[];
  /** Pages that stay as stored (unchanged, not due, or failing this time). */
  kept: string[];
  /** Pages gone for good (404 too many times in a row, or no longer in their sitemap): removed. */
  gone: { path: string; reason: string }[];
  failed: { path: string; reason: string }[];
  /** State to save once ingest committed. */
  states: SourceState[];
  forget: string[];
}

export interface SourceStatus {
  url: string;
  title?: string;
  every: string;
  everyMs: number;
  /** When this process last checked it, or when its content last changed (ISO); "" never. */
  lastFetch: string;
  status: string;
  error?: string;
  /** Pages (1, or a sitemap's count). */
  pages: number;
  /** ISO time of the next scheduled check; "" when it is due now. */
  nextSync: string;
}

export interface SourceSyncOptions {
  entries: () => Promise<SourceEntry[]>;
  store: SourceStateStore;
  fetch: FetchOptions;
  /** 404 / 410 answers in a row before a page is removed. */
  missLimit: number;
  /** Requests at a time. Default 3. */
  concurrency?: number;
  now?: () => Date;
}

export class SourceSync {
  /** When this process last checked each entry (ms since epoch); not persisted. */
  private readonly checkedAt = new Map<string, number>();
  /** Requests open at once, over entries and sitemap pages together. */
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly now: () => Date;

  constructor(private readonly options: SourceSyncOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** The entries whose time has come (every entry once after start). */
  async dueEntries(): Promise<SourceEntry[]> {
    const now = this.now().getTime();
    return (await this.options.entries()).filter((entry) => {
      const last = this.checkedAt.get(entry.url);
      return last === undefined || now - last >= entry.everyMs;
    });
  }

  /** Milliseconds until the next entry is due (0: now); undefined without sources. */
  async msUntilNextDue(): Promise<number | undefined> {
    const now = this.now().getTime();
    const waits = (await this.options.entries()).map((entry) => {
      const last = this.checkedAt.get(entry.url);
      return last === undefined ? 0 : Math.max(0, last + entry.everyMs - now);
    });
    return waits.length === 0 ? undefined : Math.min(...waits);
  }

  /**
   * Checks the sources (`all`, or only the due ones) and says what ingest should do with each page.
   * `storedPaths`: source pages the corpus holds now (fetched unconditionally when missing or on rebuild).
   */
  async collect(
    mode: "all" | "due",
    storedPaths: ReadonlySet<string>,
    rebuild: boolean,
  ): Promise<SourceBatch> {
    const entries = await this.options.entries();
    const due = new Set((mode === "all" ? entries : await this.dueEntries()).map((entry) => entry.url));
    const previous = new Map((await this.options.store.list()).map((state) => [state.url, state]));
    const batch: SourceBatch = { fetched: [], kept: [], gone: [], failed: [], states: [], forget: [] };
    const listed = new Set(entries.map((entry) => entry.url));
    // Pages of entries no longer listed are dropped from the corpus (not kept) and forgotten.
    for (const state of previous.values()) if (!listed.has(state.source)) batch.forget.push(state.url);

    const work: (() => Promise<void>)[] = [];
    for (const entry of entries) {
      if (!due.has(entry.url)) {
        batch.kept.push(...pagesOf(entry.url, previous));
        continue;
      }
      work.push(() => this.syncEntry(entry, previous, storedPaths, rebuild, batch));
    }
    await runLimited(work, this.options.concurrency ?? 3);
    const checked = this.now().getTime();
    for (const url of due) this.checkedAt.set(url, checked);
    return batch;
  }

  /** Saves what changed (after ingest committed the pages). */
  async commit(batch: SourceBatch): Promise<void> {
    await this.options.store.save(batch.states, batch.forget);
  }

  async status(): Promise<SourceStatus[]> {
    const states = await this.options.store.list();
    const byUrl = new Map(states.map((state) => [state.url, state]));
    const now = this.now().getTime();
    return (await this.options.entries()).map((entry) => {
      const state = byUrl.get(entry.url);
      const pages = states.filter((page) => page.source === entry.url && page.url !== entry.url);
      const failing = pages.filter((page) => page.status === "failed" || page.status === "missing");
      const checked = this.checkedAt.get(entry.url);
      const next = checked === undefined ? 0 : checked + entry.everyMs;
      return {
        url: entry.url,
        title: entry.title,
        every: entry.every,
        everyMs: entry.everyMs,
        lastFetch: checked !== undefined ? new Date(checked).toISOString() : (state?.changedAt ?? ""),
        status: state
          ? failing.length > 0
            ? `${state.status}; ${failing.length} of ${pages.length} pages failing`
            : state.status
          : "not fetched yet",
        error: state?.error ?? failing[0]?.error,
        pages: pages.length > 0 ? pages.length : state ? 1 : 0,
        nextSync: next > now ? new Date(next).toISOString() : "",
      };
    });
  }

  private async syncEntry(
    entry: SourceEntry,
    previous: Map<string, SourceState>,
    storedPaths: ReadonlySet<string>,
    rebuild: boolean,
    batch: SourceBatch,
  ): Promise<void> {
    const prior = previous.get(entry.url);
    const knownPages = pagesOf(entry.url, previous).filter((url) => url !== entry.url);
    const isKnownSitemap = knownPages.length > 0;
    // A sitemap's pages are checked every time: a page changes without its sitemap changing.
    const conditional = !rebuild && (isKnownSitemap || storedPaths.has(entry.url));
    let outcome: FetchOutcome;
    try {
      outcome = await this.fetch(entry.url, conditional ? (prior ?? {}) : {});
    } catch (error) {
      this.record(batch, prior, failedState(entry.url, entry.url, prior, errorMessage(error)));
      batch.failed.push({ path: entry.url, reason: errorMessage(error) });
      batch.kept.push(...pagesOf(entry.url, previous));
      return;
    }
    const listing =
      outcome.kind !== "ok"
        ? undefined
        : isSitemap(outcome.finalUrl, outcome.contentType, outcome.body)
          ? { pages: sitemapPages(outcome.finalUrl, outcome.body), complete: true }
          : isSitemapIndex(outcome.finalUrl, outcome.contentType, outcome.body)
            ? await this.indexedPages(sitemapIndexChildren(outcome.finalUrl, outcome.body), batch)
            : undefined;
    if (outcome.kind === "ok" && listing) {
      // A child sitemap that could not be read lists nothing this time: its pages are kept, not gone.
      const pages = listing.complete ? listing.pages : [...new Set([...listing.pages, ...knownPages])];
      this.record(batch, prior, {
        url: entry.url,
        source: entry.url,
        etag: outcome.etag,
        lastModified: outcome.lastModified,
        changedAt: prior?.status === "ok" && prior.etag === outcome.etag ? prior.changedAt : this.stamp(),
        status: "ok",
        misses: 0,
      });
      const listedPages = new Set(pages);
      for (const url of knownPages) {
        if (listedPages.has(url)) continue;
        batch.gone.push({ path: url, reason: `no longer listed in ${entry.url}` });
        batch.forget.push(url);
      }
      await runLimited(
        pages.map((url) => () => this.syncPage(url, entry, previous.get(url), storedPaths, rebuild, batch)),
        this.options.concurrency ?? 3,
      );
      return;
    }
    if (isKnownSitemap && outcome.kind === "not-modified") {
      await runLimited(
        knownPages.map(
          (url) => () => this.syncPage(url, entry, previous.get(url), storedPaths, rebuild, batch),
        ),
        this.options.concurrency ?? 3,
      );
      return;
    }
    await this.handlePage(entry.url, entry, prior, outcome, batch);
  }

  /**
   * The pages a sitemap index's sitemaps list (at most MAX_PAGES). Each child is fetched every time
   * (they are small); one that fails is named in the summary and makes the listing incomplete.
   */
  private async indexedPages(
    children: string[],
    batch: SourceBatch,
  ): Promise<{ pages: string[]; complete: boolean }> {
    const pages = new Set<string>();
    let complete = true;
    for (const child of children) {
      let reason: string | undefined;
      try {
        const outcome = await this.fetch(child, {});
        if (outcome.kind === "ok" && isSitemap(outcome.finalUrl, outcome.contentType, outcome.body)) {
          for (const url of sitemapPages(outcome.finalUrl, outcome.body)) {
            if (pages.size < MAX_PAGES) pages.add(url);
          }
        } else reason = outcome.kind === "missing" ? `HTTP ${outcome.status}` : "not a sitemap";
      } catch (error) {
        reason = errorMessage(error);
      }
      if (reason !== undefined) {
        complete = false;
        batch.failed.push({ path: child, reason: `sitemap listed in the index: ${reason}` });
      }
    }
    return { pages: [...pages], complete };
  }

  private async syncPage(
    url: string,
    entry: SourceEntry,
    prior: SourceState | undefined,
    storedPaths: ReadonlySet<string>,
    rebuild: boolean,
    batch: SourceBatch,
  ): Promise<void> {
    const conditional = !rebuild && storedPaths.has(url);
    try {
      const outcome = await this.fetch(url, conditional ? (prior ?? {}) : {});
      await this.handlePage(url, { ...entry, title: undefined }, prior, outcome, batch);
    } catch (error) {
      this.record(batch, prior, failedState(url, entry.url, prior, errorMessage(error)));
      batch.failed.push({ path: url, reason: errorMessage(error) });
      batch.kept.push(url);
    }
  }

  /** One page's answer: new content, unchanged, missing (removed after missLimit in a row), or unusable. */
  private async handlePage(
    url: string,
    entry: SourceEntry,
    prior: SourceState | undefined,
    outcome: FetchOutcome,
    batch: SourceBatch,
  ): Promise<void> {
    const base = { url, source: entry.url };
    if (outcome.kind === "not-modified") {
      batch.kept.push(url);
      if (prior && (prior.status !== "ok" || prior.misses !== 0))
        this.record(batch, prior, { ...prior, status: "ok", error: undefined, misses: 0 });
      return;
    }
    if (outcome.kind === "missing") {
      const misses = (prior?.misses ?? 0) + 1;
      if (misses >= this.options.missLimit) {
        batch.gone.push({ path: url, reason: `HTTP ${outcome.status} ${misses} times in a row: removed` });
        batch.forget.push(url);
        return;
      }
      const reason = `HTTP ${outcome.status} (${misses} of ${this.options.missLimit} in a row before it is removed)`;
      this.record(batch, prior, { ...(prior ?? base), ...base, status: "missing", error: reason, misses });
      batch.failed.push({ path: url, reason });
      batch.kept.push(url);
      return;
    }
    const extension = extensionForDownload(outcome.finalUrl, outcome.contentType);
    try {
      if (!extension) throw new Error(`not a supported type (${outcome.contentType || "no content type"})`);
      const loaded = await loadDocument(url, outcome.body, extension);
      const document: LoadedDocument = {
        ...loaded,
        url: outcome.finalUrl,
        title: entry.title ?? loaded.title,
      };
      const hash = createHash("sha256")
        .update(outcome.body)
        .update(`\0${entry.title ?? ""}\0${outcome.finalUrl}`)
        .digest("hex");
      batch.fetched.push({ path: url, hash, document });
      this.record(batch, prior, {
        ...base,
        etag: outcome.etag,
        lastModified: outcome.lastModified,
        changedAt: this.stamp(),
        status: "ok",
        misses: 0,
      });
    } catch (error) {
      const reason = errorMessage(error);
      batch.failed.push({ path: url, reason });
      batch.kept.push(url);
      this.record(batch, prior, failedState(url, entry.url, prior, reason));
    }
  }

  /** fetchSource, at most `concurrency` at a time for the whole sync. */
  private async fetch(url: string, validators: Validators): Promise<FetchOutcome> {
    // A finishing request hands its slot straight to the next waiter, so the count never overshoots.
    if (this.inFlight >= (this.options.concurrency ?? 3)) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else this.inFlight += 1;
    try {
      return await fetchSource(url, validators, this.options.fetch);
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.inFlight -= 1;
    }
  }

  /** Queues a state to save, unless it equals what is stored (so an idle sync writes nothing). */
  private record(batch: SourceBatch, prior: SourceState | undefined, next: SourceState): void {
    const clean = JSON.parse(JSON.stringify(next)) as SourceState;
    if (prior && sameState(prior, clean)) return;
    batch.states.push(clean);
  }

  private stamp(): string {
    return this.now().toISOString();
  }
}

function sameState(a: SourceState, b: SourceState): boolean {
  const { changedAt: _a, ...restA } = a;
  const { changedAt: _b, ...restB } = b;
  return JSON.stringify(sortKeys(restA)) === JSON.stringify(sortKeys(restB));
}

function sortKeys(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).sort(([x], [y]) => x.localeCompare(y)));
}

function failedState(
  url: string,
  source: string,
  prior: SourceState | undefined,
  reason: string,
): SourceState {
  return { ...(prior ?? { url, source, misses: 0 }), url, source, status: "failed", error: reason };
}

/** The entry's own URL and every page recorded under it. */
function pagesOf(entryUrl: string, states: Map<string, SourceState>): string[] {
  const pages = [...states.values()].filter((state) => state.source === entryUrl).map((state) => state.url);
  return pages.includes(entryUrl) ? pages : [entryUrl, ...pages];
}

async function runLimited(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++];
      await task();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}
