/**
 * sitemap.xml -> the page URLs it lists on the sitemap's own host; a sitemap index -> the sitemaps
 * it lists, on the same host (pure).
 */
import { XMLParser } from "fast-xml-parser";
import { checkSourceUrl } from "./source-list.ts";

/** A sitemap lists at most 50,000 URLs; a course site far fewer. More is a mistake, not a course. */
export const MAX_PAGES = 500;
/** Sitemaps followed from one index (a course site's CMS splits by section or by year). */
export const MAX_CHILD_SITEMAPS = 20;

/** An XML document (by type or by name) whose root element is `root`. */
function hasXmlRoot(root: string, url: string, contentType: string, body: Buffer): boolean {
  if (!/xml/.test(contentType) && !new URL(url).pathname.endsWith(".xml")) return false;
  return new RegExp(`<${root}[\\s>]`).test(body.subarray(0, 4096).toString("utf8"));
}

export function isSitemap(url: string, contentType: string, body: Buffer): boolean {
  return hasXmlRoot("urlset", url, contentType, body);
}

export function isSitemapIndex(url: string, contentType: string, body: Buffer): boolean {
  return hasXmlRoot("sitemapindex", url, contentType, body);
}

/** The `<loc>` of each `entry` element under `root`. */
function locations(body: Buffer, root: string, entry: string): unknown[] {
  const parsed = new XMLParser({ removeNSPrefix: true, isArray: (name) => name === entry }).parse(
    body.toString("utf8"),
  ) as Record<string, Record<string, { loc?: unknown }[] | undefined> | undefined>;
  return (parsed[root]?.[entry] ?? []).map((item) => item.loc);
}

/** The same-host sitemaps a sitemap index lists, in order, without duplicates. */
export function sitemapIndexChildren(indexUrl: string, body: Buffer): string[] {
  return sameHost(indexUrl, locations(body, "sitemapindex", "sitemap"), MAX_CHILD_SITEMAPS);
}

/** Same-host http(s) page URLs, in the sitemap's order, without duplicates. */
export function sitemapPages(sitemapUrl: string, body: Buffer): string[] {
  return sameHost(sitemapUrl, locations(body, "urlset", "url"), MAX_PAGES);
}

function sameHost(listUrl: string, locations: unknown[], limit: number): string[] {
  const host = new URL(listUrl).host;
  const urls = new Set<string>();
  for (const location of locations) {
    if (typeof location !== "string") continue;
    const checked = checkSourceUrl(location);
    if ("problem" in checked || new URL(checked.url).host !== host) continue;
    urls.add(checked.url);
    if (urls.size >= limit) break;
  }
  return [...urls];
}
