/** What staff alerts say (pure): pseudonyms and trace links only, never a raw platform id. */

export interface AlertSubject {
  kind: "crisis" | "handoff";
  pseudonym: string;
  platform: string;
  mode: string;
  question: string;
  traceId: string;
}

/** The admin page's link to a trace, or a note saying how to get links. */
export function traceLink(publicBaseUrl: string | undefined, traceId: string): string {
  if (!traceId) return "(no trace)";
  if (!publicBaseUrl) return `trace ${traceId} (set PUBLIC_BASE_URL for a link)`;
  return `${publicBaseUrl.replace(/\/+$/, "")}/admin/traces/${encodeURIComponent(traceId)}`;
}

/** The first `max` characters (by code point), with an ellipsis when cut. */
export function firstCharacters(text: string, max = 200): string {
  const characters = [...text.trim()];
  return characters.length > max ? `${characters.slice(0, max).join("")}…` : characters.join("");
}

export function formatAlert(subject: AlertSubject, publicBaseUrl: string | undefined): string {
  const title =
    subject.kind === "crisis" ? "🚨 **危機訊號** (crisis flag)" : "🙋 **新的真人助教請求** (new hand-off)";
  // Quoted line by line, so a question cannot break out of the quote with its own markdown.
  const quoted = firstCharacters(subject.question)
    .split("\n")
    .map((line) => `> ${line}`)
    .join("\n");
  return [
    title,
    `${subject.pseudonym} · ${subject.platform} · mode ${subject.mode}`,
    quoted,
    traceLink(publicBaseUrl, subject.traceId),
  ].join("\n");
}

/**
 * A webhook URL as it may appear in a log: scheme, host and the first path segments, never the
 * secret token (Discord: /api/webhooks/<id>/<token>).
 */
export function describeWebhookUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const segments = parsed.pathname.split("/").filter(Boolean);
    const shown = segments.slice(0, Math.min(3, Math.max(0, segments.length - 1)));
    return `${parsed.origin}/${shown.join("/")}${segments.length > shown.length ? "/***" : ""}`;
  } catch {
    return "(an unreadable URL)";
  }
}
