/** One-shot notices carried across a POST → redirect → GET, kept briefly in memory. */
import { randomBytes } from "node:crypto";

export interface FlashNotice {
  message: string;
  warnings: string[];
  error: boolean;
}

const LIFETIME_MS = 10 * 60_000;
const MAX_ENTRIES = 200;

export class FlashNotices {
  private readonly entries = new Map<string, { notice: FlashNotice; expiresAt: number }>();

  put(notice: FlashNotice): string {
    const now = Date.now();
    for (const [id, entry] of this.entries)
      if (entry.expiresAt <= now || this.entries.size >= MAX_ENTRIES) this.entries.delete(id);
    const id = randomBytes(9).toString("base64url");
    this.entries.set(id, { notice, expiresAt: now + LIFETIME_MS });
    return id;
  }

  take(id: string | undefined): FlashNotice | undefined {
    if (!id) return undefined;
    const entry = this.entries.get(id);
    this.entries.delete(id);
    return entry && entry.expiresAt > Date.now() ? entry.notice : undefined;
  }
}
