/** sitemap.xml -> the page URLs it lists on the sitemap's own host (pure). */
import { XMLParser } from "fast-xml-parser";
import { checkSourceUrl } from "./source-list.ts";

/** A sitemap lists at most 50,000 URLs; a course site far fewer. More is a mistake, not a course. */
const MAX_PAGES = 500;

export function isSitemap(url: string, contentType: string, body: Buffer): boolean {
  if (!/xml/.test(contentType) && !new URL(url).pathname.endsWith(".xml")) return false;
  return /<urlset[\s>]/.test(body.subarray(0, 4096).toString("utf8"));
}

/** Same-host http(s) page URLs, in the sitemap's order, without duplicates. */
export function sitemapPages(sitemapUrl: string, body: Buffer): string[] {
  const parsed = new XMLParser({ removeNSPrefix: true, isArray: (name) => name === "url" }).parse(
    body.toString("utf8"),
  ) as { urlset?: { url?: { loc?: unknown }[] } };
  const host = new URL(sitemapUrl).host;
  const pages = new Set<string>();
  for (const entry of parsed.urlset?.url ?? []) {
    if (typeof entry.loc !== "string") continue;
    const checked = checkSourceUrl(entry.loc);
    if ("problem" in checked || new URL(checked.url).host !== host) continue;
    pages.add(checked.url);
    if (pages.size >= MAX_PAGES) break;
  }
  return [...pages];
}
