/**
 * Forwards a verified webhook event to the origin's POST /internal/relay/<platform>: the same body
 * bytes, the original platform headers (the origin checks the platform signature again), and an
 * HMAC of timestamp + platform + body under RELAY_SECRET (src/relay-signature.ts).
 */
import { signRelay } from "../relay-signature.ts";

export type RelayPlatform = "line" | "discord";

/** Headers the origin needs to handle the event as if it came directly. */
const FORWARDED_HEADERS = [
  "content-type",
  "user-agent",
  "x-line-signature",
  "x-signature-ed25519",
  "x-signature-timestamp",
];

export interface RelayTarget {
  originUrl: string;
  relaySecret: string;
}

export interface RelayOptions {
  /** Attempts for a network failure or a 502/503/504 from the origin. Default 2. */
  attempts?: number;
  /** Pause before a retry, long enough for a new timestamp (a fresh signature). Default 1100 ms. */
  retryDelayMs?: number;
}

export async function relayToOrigin(
  target: RelayTarget,
  platform: RelayPlatform,
  rawBody: Uint8Array<ArrayBuffer>,
  original: Headers,
  options: RelayOptions = {},
): Promise<Response> {
  const attempts = options.attempts ?? 2;
  for (let attempt = 1; ; attempt++) {
    const headers = new Headers();
    for (const name of FORWARDED_HEADERS) {
      const value = original.get(name);
      if (value !== null) headers.set(name, value);
    }
    const timestamp = String(Math.floor(Date.now() / 1000));
    headers.set("x-relay-timestamp", timestamp);
    headers.set(
      "x-relay-signature",
      await signRelay(target.relaySecret, { timestamp, platform, body: rawBody }),
    );
    try {
      const response = await fetch(`${target.originUrl}/internal/relay/${platform}`, {
        method: "POST",
        headers,
        body: rawBody,
      });
      if (attempt >= attempts || ![502, 503, 504].includes(response.status)) return response;
      await response.body?.cancel();
    } catch (error) {
      if (attempt >= attempts) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs ?? 1100));
  }
}
