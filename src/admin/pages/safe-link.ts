/** Links from corpus documents go out only as http(s): a `javascript:` or `data:` URL in front matter is not a link. */
export function safeExternalHref(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}
