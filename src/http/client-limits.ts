/**
 * Per-client limits: questions per client address on the public chat routes, and failed admin logins.
 * The client address is the socket's peer, or, behind the edge Worker, the address the Worker
 * forwards in headers signed under RELAY_SECRET (an unsigned or stale one is ignored).
 */
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context, MiddlewareHandler } from "hono";
import { verifiedClientAddress } from "../client-address-signature.ts";
import { RateLimitedError } from "../errors.ts";
import type { RateLimitDecision } from "../rate-limiter.ts";

export async function clientAddressOf(c: Context, relaySecret: string | undefined): Promise<string> {
  if (relaySecret) {
    const forwarded = await verifiedClientAddress(relaySecret, c.req.raw.headers);
    if (forwarded) return `edge:${forwarded}`;
  }
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown"; // in-process requests (app.request) have no socket
  }
}

export function retryAfterSeconds(decision: RateLimitDecision): number {
  return decision.allowed ? 0 : Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
}

/**
 * Refuses a question over the per-address budget with 429 and Retry-After before anything is read,
 * run or written. `exempt` lets authorized callers (raw inference with INFERENCE_TOKEN) through.
 */
export function questionRateLimit(options: {
  take(key: string): RateLimitDecision;
  relaySecret: string | undefined;
  exempt(c: Context): boolean;
}): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method !== "POST" || options.exempt(c)) return next();
    const decision = options.take(await clientAddressOf(c, options.relaySecret));
    if (!decision.allowed) {
      const seconds = retryAfterSeconds(decision);
      throw new RateLimitedError(`too many questions from this address: try again in ${seconds} s`, seconds);
    }
    return next();
  };
}
