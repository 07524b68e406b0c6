/**
 * The client address the edge Worker forwards to the origin, signed under RELAY_SECRET so a client
 * talking to the origin directly can't pick its own address (and so its own rate-limit bucket).
 * Shared by the origin (src/http) and the edge Worker (src/edge): WebCrypto only, like the relay.
 */
import { signRelay, verifyRelay } from "./relay-signature.ts";

export const CLIENT_ADDRESS_HEADERS = {
  address: "x-ta-client-address",
  timestamp: "x-ta-client-timestamp",
  signature: "x-ta-client-signature",
} as const;

const signedText = (address: string) => new TextEncoder().encode(address);
/** Signed as its own "platform", so a relay signature can never pass as an address one, nor back. */
const ADDRESS_PLATFORM = "clientaddress";

/** The three headers that carry `address` from the edge to the origin. */
export async function signClientAddress(
  secret: string,
  address: string,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): Promise<Record<string, string>> {
  const timestamp = String(nowSeconds);
  return {
    [CLIENT_ADDRESS_HEADERS.address]: address,
    [CLIENT_ADDRESS_HEADERS.timestamp]: timestamp,
    [CLIENT_ADDRESS_HEADERS.signature]: await signRelay(secret, {
      timestamp,
      platform: ADDRESS_PLATFORM,
      body: signedText(address),
    }),
  };
}

/** The forwarded address when its signature is valid and fresh; undefined otherwise. */
export async function verifiedClientAddress(secret: string, headers: Headers): Promise<string | undefined> {
  const address = headers.get(CLIENT_ADDRESS_HEADERS.address);
  if (!address || address.length > 64) return undefined;
  const check = await verifyRelay(secret, {
    timestamp: headers.get(CLIENT_ADDRESS_HEADERS.timestamp),
    signature: headers.get(CLIENT_ADDRESS_HEADERS.signature),
    platform: ADDRESS_PLATFORM,
    body: signedText(address),
  });
  return check.ok ? address : undefined;
}
