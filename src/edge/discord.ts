/**
 * Discord HTTP interactions at the edge: Ed25519 verification over timestamp + body, and the
 * response the edge gives itself when the origin is slow or down.
 */

export const INTERACTION = { ping: 1, command: 2, component: 3, autocomplete: 4, modalSubmit: 5 } as const;
export const RESPONSE = {
  pong: 1,
  message: 4,
  deferredMessage: 5,
  deferredUpdate: 6,
  autocompleteResult: 8,
} as const;
const FLAG_EPHEMERAL = 64;

export const ORIGIN_UNAVAILABLE_TEXT =
  "The teaching assistant is unavailable right now. Please try again in a few minutes.";

function fromHex(hex: string | null | undefined, length: number): Uint8Array<ArrayBuffer> | undefined {
  if (!hex || hex.length !== length * 2 || !/^[0-9a-f]+$/i.test(hex)) return undefined;
  const bytes = new Uint8Array(length);
  for (let index = 0; index < length; index++)
    bytes[index] = Number.parseInt(hex.slice(index * 2, index * 2 + 2), 16);
  return bytes;
}

const keys = new Map<string, Promise<CryptoKey>>();

/** Imports the public key once per isolate; older runtimes only know the NODE-ED25519 name. */
function importPublicKey(publicKeyHex: string, keyBytes: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  let key = keys.get(publicKeyHex);
  if (!key) {
    key = crypto.subtle
      .importKey("raw", keyBytes, { name: "Ed25519" }, false, ["verify"])
      .catch(() =>
        crypto.subtle.importKey(
          "raw",
          keyBytes,
          { name: "NODE-ED25519", namedCurve: "NODE-ED25519" } as EcKeyImportParams,
          false,
          ["verify"],
        ),
      );
    key.catch(() => keys.delete(publicKeyHex));
    keys.set(publicKeyHex, key);
  }
  return key;
}

/** True when X-Signature-Ed25519 signs X-Signature-Timestamp + body under the application's key. */
export async function verifyDiscordSignature(
  publicKeyHex: string,
  signatureHex: string | null | undefined,
  timestamp: string | null | undefined,
  rawBody: Uint8Array<ArrayBuffer>,
): Promise<boolean> {
  const keyBytes = fromHex(publicKeyHex.trim(), 32);
  const signature = fromHex(signatureHex, 64);
  if (!keyBytes || !signature || !timestamp) return false;
  const prefix = new TextEncoder().encode(timestamp);
  const message = new Uint8Array(prefix.length + rawBody.length);
  message.set(prefix);
  message.set(rawBody, prefix.length);
  try {
    const key = await importPublicKey(publicKeyHex.trim(), keyBytes);
    return await crypto.subtle.verify(key.algorithm, key, signature, message);
  } catch {
    return false;
  }
}

/**
 * What the edge answers when the origin has not answered in time: a deferred response where
 * Discord allows one (the origin then edits it), an empty autocomplete list otherwise.
 */
export function deferredResponseFor(type: number): Record<string, unknown> {
  if (type === INTERACTION.component) return { type: RESPONSE.deferredUpdate };
  if (type === INTERACTION.autocomplete) return { type: RESPONSE.autocompleteResult, data: { choices: [] } };
  return { type: RESPONSE.deferredMessage };
}

/** An immediate, ephemeral "unavailable" reply (when the origin fails before the edge has answered). */
export function unavailableResponseFor(type: number): Record<string, unknown> {
  if (type === INTERACTION.autocomplete) return deferredResponseFor(type);
  return { type: RESPONSE.message, data: { content: ORIGIN_UNAVAILABLE_TEXT, flags: FLAG_EPHEMERAL } };
}
