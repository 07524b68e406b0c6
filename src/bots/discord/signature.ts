/** Ed25519 verification of Discord HTTP interactions, with node:crypto only. */
import { createPublicKey, type KeyObject, verify } from "node:crypto";
import { ConfigError } from "../../errors.ts";

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

/** True when `signatureHex` signs timestamp + body with the application's key. */
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
