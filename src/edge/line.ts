/** LINE webhook signatures: base64(HMAC-SHA256(channel secret, raw body)) in X-Line-Signature. */

const encoder = new TextEncoder();

function fromBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  try {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
    return bytes;
  } catch {
    return undefined;
  }
}

/** Constant-time check (crypto.subtle.verify) of a LINE signature over the exact body bytes. */
export async function verifyLineSignature(
  channelSecret: string,
  signature: string | null | undefined,
  rawBody: Uint8Array<ArrayBuffer>,
): Promise<boolean> {
  const expected = signature ? fromBase64(signature.trim()) : undefined;
  if (expected?.length !== 32) return false;
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(channelSecret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  );
  return crypto.subtle.verify("HMAC", key, expected, rawBody);
}
