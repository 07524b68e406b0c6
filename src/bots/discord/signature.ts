/** Ed25519 verification of Discord HTTP interactions, with node:crypto only. */
import { createPublicKey, type KeyObject, verify } from "node:crypto";
import { ConfigError } from "../../errors.ts";

/** A signed request older than this is refused as a replay. */
export const DISCORD_TIMESTAMP_MAX_AGE_SECONDS = 300;
/** A signed request dated further ahead than this is refused (clocks drift, but not by minutes). */
export const DISCORD_TIMESTAMP_MAX_AHEAD_SECONDS = 60;

/** Reads DISCORD_PUBLIC_KEY (64 hex characters, as the Developer Portal shows it). */
export function parseDiscordPublicKey(hex: string): KeyObject {
  const trimmed = hex.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(trimmed)) {
    throw new ConfigError(
      "DISCORD_PUBLIC_KEY is not a Discord public key: copy the 64 hex characters from the Developer Portal (General Information > Public Key)",
    );
  }
  const x = Buffer.from(trimmed, "hex").toString("base64url");
  return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x }, format: "jwk" });
}

/** True when `signatureHex` signs timestamp + body with the application's key (freshness not checked). */
export function verifyDiscordSignature(
  publicKey: KeyObject,
  signatureHex: string | null,
  timestamp: string | null,
  rawBody: Uint8Array,
): boolean {
  if (!signatureHex || !timestamp || !/^[0-9a-fA-F]{128}$/.test(signatureHex)) return false;
  const message = Buffer.concat([Buffer.from(timestamp, "utf8"), Buffer.from(rawBody)]);
  try {
    return verify(null, message, publicKey, Buffer.from(signatureHex, "hex"));
  } catch {
    return false;
  }
}

/**
 * True when X-Signature-Timestamp (Unix seconds) is at most 5 minutes old and at most 1 minute ahead
 * of `nowMs`: a captured request cannot be replayed later, even with its valid signature.
 */
export function isFreshDiscordTimestamp(timestamp: string | null, nowMs: number = Date.now()): boolean {
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return false;
  const age = nowMs / 1000 - Number(timestamp);
  return age <= DISCORD_TIMESTAMP_MAX_AGE_SECONDS && age >= -DISCORD_TIMESTAMP_MAX_AHEAD_SECONDS;
}
