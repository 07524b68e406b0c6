/** A link that starts a video at a transcript chunk's time; "" when there is no URL. Pure. */
export function linkAtTime(url: string | undefined, startSeconds: number | undefined): string {
  if (!url) return "";
  if (startSeconds === undefined) return url;
  const seconds = Math.max(0, Math.floor(startSeconds));
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  const host = parsed.hostname.replace(/^www\./, "");
  if (host === "youtube.com" || host === "youtu.be" || host === "m.youtube.com") {
    parsed.searchParams.set("t", `${seconds}s`);
    return parsed.toString();
  }
  // Media Fragments (#t=) work for plain video files and most web players.
  parsed.hash = `t=${seconds}`;
  return parsed.toString();
}

/** A link to a heading inside a page (`page#fragment`); the page itself when there is no fragment. Pure. */
export function linkToHeading(url: string | undefined, anchor: string | undefined): string {
  if (!url) return "";
  if (!anchor) return url;
  try {
    const parsed = new URL(url);
    parsed.hash = anchor;
    return parsed.toString();
  } catch {
    return url;
  }
}
