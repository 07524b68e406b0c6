/** Text clean-up shared by every loader (pure). */

// C0 and C1 control characters except \n (tabs are turned into spaces first).
const CONTROL_CHARACTERS = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F]/g;

/**
 * Normalizes text the same way for every format: Unicode NFC (so visually equal CJK strings
 * compare and hash equal), no byte-order mark, LF line ends, tabs as spaces, and no control characters.
 */
export function normalizeText(text: string): string {
  return text
    .replace(/^\uFEFF/, "")
    .replace(/\r\n?/g, "\n")
    .replace(/[\u2028\u2029]/g, "\n")
    .replace(/\t/g, " ")
    .replace(CONTROL_CHARACTERS, "")
    .normalize("NFC");
}

/**
 * Decodes a file's bytes as UTF-8 (or UTF-16 when it starts with a UTF-16 byte-order mark).
 * Returns undefined for bytes that are not valid text, so the caller can name the file in its error.
 */
export function decodeText(content: Uint8Array): string | undefined {
  const encoding =
    content[0] === 0xff && content[1] === 0xfe
      ? "utf-16le"
      : content[0] === 0xfe && content[1] === 0xff
        ? "utf-16be"
        : "utf-8";
  try {
    // fatal: a binary file with a text extension should fail loudly, not turn into U+FFFD soup.
    return new TextDecoder(encoding, { fatal: true }).decode(content);
  } catch {
    return undefined;
  }
}
