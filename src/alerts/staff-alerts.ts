/**
 * Posts staff alerts to a Discord channel webhook (STAFF_ALERT_WEBHOOK_URL). Sending never blocks the
 * caller: each alert is posted in the background with retries (429 and 5xx, backing off and waiting
 * at least as long as Retry-After asks), and a failure is logged without the URL's secret part.
 */
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import { type AlertSubject, describeWebhookUrl, formatAlert } from "./format.ts";

export interface StaffAlertOptions {
  webhookUrl: string;
  publicBaseUrl?: string;
  logger: Logger;
  /** Attempts per alert. Default 5. */
  attempts?: number;
  /** First retry delay in ms, doubled each time. Default 1000. */
  initialDelayMs?: number;
  /** A Retry-After longer than this gives the alert up. Default 60,000 ms. */
  maxRetryAfterMs?: number;
  fetch?: typeof fetch;
}

/** Milliseconds to wait from a Retry-After header or Discord's JSON retry_after (seconds). */
export function retryAfterOf(headers: Headers, body: unknown): number | undefined {
  const header = headers.get("retry-after");
  if (header && /^\d+(\.\d+)?$/.test(header.trim())) return Math.round(Number(header) * 1000);
  if (header && !Number.isNaN(Date.parse(header))) return Math.max(0, Date.parse(header) - Date.now());
  const seconds = (body as { retry_after?: unknown } | undefined)?.retry_after;
  return typeof seconds === "number" ? Math.round(seconds * 1000) : undefined;
}

export class StaffAlerts {
  private readonly pending = new Set<Promise<unknown>>();
  private readonly stopping = new AbortController();

  constructor(private readonly options: StaffAlertOptions) {}

  /** Queues an alert about a crisis flag or a new hand-off; returns at once. */
  notify(subject: AlertSubject): void {
    this.send(formatAlert(subject, this.options.publicBaseUrl), `${subject.kind} alert`);
  }

  /** Queues any message (the daily digest); returns at once. */
  send(content: string, what: string): void {
    // Started on a later turn of the event loop: the caller (a student's reply) never waits for it.
    const work = new Promise((resolve) => setImmediate(resolve)).then(() => this.post(content, what));
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  /** Posts with retries; resolves true when the webhook took it. Never throws. */
  async post(content: string, what: string): Promise<boolean> {
    const attempts = this.options.attempts ?? 5;
    const post = this.options.fetch ?? fetch;
    const where = describeWebhookUrl(this.options.webhookUrl);
    for (let attempt = 0; attempt < attempts; attempt++) {
      let wait = (this.options.initialDelayMs ?? 1000) * 2 ** attempt;
      try {
        const response = await post(this.options.webhookUrl, {
          method: "POST",
          headers: { "content-type": "application/json" },
          // Nobody is pinged by an alert's text.
          body: JSON.stringify({ content: content.slice(0, 2000), allowed_mentions: { parse: [] } }),
          signal: AbortSignal.any([this.stopping.signal, AbortSignal.timeout(10_000)]),
        });
        if (response.ok) return true;
        const body = await response.json().catch(() => undefined);
        if (response.status !== 429 && response.status < 500) {
          this.options.logger.error(`${what} to ${where} refused with HTTP ${response.status}: not retried`);
          return false;
        }
        const asked = retryAfterOf(response.headers, body);
        if (asked !== undefined && asked > (this.options.maxRetryAfterMs ?? 60_000)) {
          this.options.logger.error(`${what} to ${where}: asked to wait ${asked} ms; given up`);
          return false;
        }
        wait = Math.max(wait, asked ?? 0);
        this.options.logger.warn(
          `${what} to ${where} answered HTTP ${response.status}; retrying in ${wait} ms`,
        );
      } catch (error) {
        if (this.stopping.signal.aborted) return false;
        // The message may hold the URL: log only a description of it.
        const reason = errorMessage(error).split(this.options.webhookUrl).join(where);
        this.options.logger.warn(`${what} to ${where} failed (${reason}); retrying in ${wait} ms`);
      }
      if (attempt < attempts - 1) await sleep(wait, this.stopping.signal);
      if (this.stopping.signal.aborted) return false;
    }
    this.options.logger.error(`${what} to ${where} failed ${attempts} times: given up`);
    return false;
  }

  /** Waits for alerts in flight (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  /** Gives up retries and waits for the rest. */
  async close(): Promise<void> {
    this.stopping.abort();
    await this.idle();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
