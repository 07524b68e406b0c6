/**
 * Signatures for events relayed from the edge Worker: HMAC-SHA256 over `${timestamp}.${body}`
 * with RELAY_SECRET. Shared by the origin (src/http) and the edge Worker (src/edge), so it imports
 * nothing and uses only WebCrypto, which both Node and Workers provide.

 */

const encoder = new TextEncoder();

/** Relayed events older (or newer) than this are refused as replays. */
export const RELAY_MAX_AGE_SECONDS = 300;

async function hmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
}

function toHex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

function fromHex(hex: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[0-9a-f]*$/i.test(hex) || hex.length % 2 !== 0) return undefined;
  return new Uint8Array(hex.match(/../g)?.map((pair) => Number.parseInt(pair, 16)) ?? []);
}

function signedBytes(timestamp: string, body: Uint8Array): Uint8Array<ArrayBuffer> {
  const prefix = encoder.encode(`${timestamp}.`);
  const bytes = new Uint8Array(prefix.length + body.length);
  bytes.set(prefix);
  bytes.set(body, prefix.length);
  return bytes;
}

export async function signRelay(secret: string, timestamp: string, body: Uint8Array): Promise<string> {
  return toHex(await crypto.subtle.sign("HMAC", await hmacKey(secret), signedBytes(timestamp, body)));
}

export type RelayCheck = { ok: true } | { ok: false; reason: string };

/** Constant-time verification (crypto.subtle.verify) plus a freshness window. */
export async function verifyRelay(
  secret: string,
  request: { timestamp: string | null; signature: string | null; body: Uint8Array },
  nowSeconds: number = Math.floor(Date.now() / 1000),
): Promise<RelayCheck> {
  if (!request.timestamp || !request.signature)
    return { ok: false, reason: "missing relay signature headers" };
  const timestamp = Number(request.timestamp);
  if (!Number.isInteger(timestamp)) return { ok: false, reason: "bad relay timestamp" };
  if (Math.abs(nowSeconds - timestamp) > RELAY_MAX_AGE_SECONDS)
    return { ok: false, reason: "stale relay timestamp" };
  const signature = fromHex(request.signature);
  if (signature?.length !== 32) return { ok: false, reason: "bad relay signature" };
  const valid = await crypto.subtle.verify(
    "HMAC",
    await hmacKey(secret),
    signature,
    signedBytes(request.timestamp, request.body),
  );
  return valid ? { ok: true } : { ok: false, reason: "bad relay signature" };
}
