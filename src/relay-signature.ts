/**
 * Signatures for events relayed from the edge Worker: HMAC-SHA256 with RELAY_SECRET over
 * `${timestamp}.${platform}.${body}`, so a signature is valid for one body, one moment and one
 * relay route (/internal/relay/<platform>). Shared by the origin (src/http) and the edge Worker
 * (src/edge), so it imports nothing and uses only WebCrypto, which both Node and Workers provide.
 */

const encoder = new TextEncoder();

/** Relayed events older (or newer) than this are refused as replays. */
export const RELAY_MAX_AGE_SECONDS = 300;

/** Unix seconds in digits, and a platform in lower-case letters: neither can contain the "." separator. */
const TIMESTAMP = /^\d{1,15}$/;
const PLATFORM = /^[a-z]+$/;
/** One spelling per signature: 32 bytes as lower-case hex (what signRelay writes). */
const SIGNATURE = /^[0-9a-f]{64}$/;

export interface RelaySigned {
  /** Unix seconds, as sent in X-Relay-Timestamp. */
  timestamp: string;
  /** The relay route's platform, e.g. "line" for /internal/relay/line. */
  platform: string;
  body: Uint8Array;
}

async function hmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
}

function toHex(bytes: ArrayBuffer | Uint8Array): string {
  return [...new Uint8Array(bytes)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

function fromHex(hex: string): Uint8Array<ArrayBuffer> | undefined {
  if (!SIGNATURE.test(hex)) return undefined;
  return new Uint8Array(hex.match(/../g)?.map((pair) => Number.parseInt(pair, 16)) ?? []);
}

function signedBytes({ timestamp, platform, body }: RelaySigned): Uint8Array<ArrayBuffer> {
  const prefix = encoder.encode(`${timestamp}.${platform}.`);
  const bytes = new Uint8Array(prefix.length + body.length);
  bytes.set(prefix);
  bytes.set(body, prefix.length);
  return bytes;
}

/** X-Relay-Signature for an event relayed to /internal/relay/<platform>. */
export async function signRelay(secret: string, signed: RelaySigned): Promise<string> {
  if (!TIMESTAMP.test(signed.timestamp)) throw new Error(`relay timestamp ${signed.timestamp} is not digits`);
  if (!PLATFORM.test(signed.platform)) throw new Error(`relay platform ${signed.platform} is not a-z`);
  return toHex(await crypto.subtle.sign("HMAC", await hmacKey(secret), signedBytes(signed)));
}

/**
 * `replayKey` identifies the signature by its decoded bytes (lower-case hex), so a replay cache
 * keyed on it cannot be passed by spelling the same signature differently.
 */
export type RelayCheck = { ok: true; replayKey: string } | { ok: false; reason: string };

/** Constant-time verification (crypto.subtle.verify) plus a freshness window. */
export async function verifyRelay(
  secret: string,
  request: { timestamp: string | null; signature: string | null; platform: string; body: Uint8Array },
  nowSeconds: number = Math.floor(Date.now() / 1000),
): Promise<RelayCheck> {
  if (!request.timestamp || !request.signature)
    return { ok: false, reason: "missing relay signature headers" };
  if (!TIMESTAMP.test(request.timestamp)) return { ok: false, reason: "bad relay timestamp" };
  if (Math.abs(nowSeconds - Number(request.timestamp)) > RELAY_MAX_AGE_SECONDS)
    return { ok: false, reason: "stale relay timestamp" };
  if (!PLATFORM.test(request.platform)) return { ok: false, reason: "bad relay platform" };
  const signature = fromHex(request.signature);
  if (!signature) return { ok: false, reason: "bad relay signature" };
  const valid = await crypto.subtle.verify(
    "HMAC",
    await hmacKey(secret),
    signature,
    signedBytes({ timestamp: request.timestamp, platform: request.platform, body: request.body }),
  );
  return valid ? { ok: true, replayKey: toHex(signature) } : { ok: false, reason: "bad relay signature" };
}
