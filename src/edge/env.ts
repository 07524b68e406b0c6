/** The Worker's bindings (wrangler.toml [vars] and `wrangler secret put`), all plain strings. */
export interface EdgeEnv {
  /** Base URL of the origin service, e.g. https://ta-origin.example.edu (no trailing slash needed). */
  ORIGIN_URL?: string;
  /** Shared with the origin; signs relayed webhook events. Secret. */
  RELAY_SECRET?: string;
  /** LINE channel secret; POST /webhooks/line answers 404 without it. Secret. */
  LINE_CHANNEL_SECRET?: string;
  /** Discord application public key (64 hex characters); POST /webhooks/discord answers 404 without it. */
  DISCORD_PUBLIC_KEY?: string;
  /**
   * How long the edge waits for the origin's answer to a Discord interaction before it answers
   * with a deferred response itself. Default 1500 ms (Discord allows 3 s); "0" always defers at once.
   */
  DISCORD_ORIGIN_WAIT_MS?: string;
  /** Discord API base for late follow-ups. Default https://discord.com/api/v10 (tests point it at loopback). */
  DISCORD_API_BASE?: string;
  /**
   * The origin's BODY_MAX_BYTES: larger webhooks are refused here with 413 instead of being
   * acknowledged and then refused by the origin's relay route. Default 65536 (the origin's default).
   */
  ORIGIN_BODY_MAX_BYTES?: string;
}

export const DEFAULT_DISCORD_ORIGIN_WAIT_MS = 1500;
export const DEFAULT_DISCORD_API_BASE = "https://discord.com/api/v10";
/** The origin's BODY_MAX_BYTES default (src/config.ts). */
export const DEFAULT_ORIGIN_BODY_MAX_BYTES = 65_536;

/** The origin base URL without a trailing slash, or undefined when it is unset or not http(s). */
export function originBase(env: EdgeEnv): string | undefined {
  const raw = env.ORIGIN_URL?.trim();
  if (!raw || !/^https?:\/\//i.test(raw)) return undefined;
  return raw.replace(/\/+$/, "");
}

export function discordOriginWaitMs(env: EdgeEnv): number {
  const raw = env.DISCORD_ORIGIN_WAIT_MS?.trim();
  const value = raw ? Number(raw) : Number.NaN;
  return Number.isFinite(value) && value >= 0 ? Math.min(value, 2500) : DEFAULT_DISCORD_ORIGIN_WAIT_MS;
}

/** Largest webhook body the edge takes: ORIGIN_BODY_MAX_BYTES when it is a positive integer, else the default. */
export function webhookMaxBytes(env: EdgeEnv): number {
  const raw = env.ORIGIN_BODY_MAX_BYTES?.trim();
  const value = raw ? Number(raw) : Number.NaN;
  return Number.isSafeInteger(value) && value > 0 ? value : DEFAULT_ORIGIN_BODY_MAX_BYTES;
}

export function errorBody(code: string, message: string) {
  return { error: { code, message } };
}
