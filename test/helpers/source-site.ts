/**
 * A small course website on 127.0.0.1 for web-source tests: pages with ETags that answer 304,
 * pages that change, vanish, stall or are too large, a redirect and a sitemap. Records each request.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface SitePage {
  status?: number;
  body?: string | Buffer;
  contentType?: string;
  /** Sent as ETag (quoted); a matching If-None-Match gets 304. */
  etag?: string;
  /** Sent as Last-Modified; an equal If-Modified-Since gets 304. */
  lastModified?: string;
  /** Redirect target (with status 301). */
  location?: string;
  /** Milliseconds to wait before answering. */
  delayMs?: number;
}

export interface SourceSite {
  baseUrl: string;
  pages: Map<string, SitePage>;
  requests: { path: string; ifNoneMatch?: string; ifModifiedSince?: string; userAgent?: string }[];
  /** Most requests open at the same time so far. */
  maxInFlight(): number;
  close(): Promise<void>;
}

export async function startSourceSite(): Promise<SourceSite> {
  const pages = new Map<string, SitePage>();
  const requests: SourceSite["requests"] = [];
  const timers = new Set<NodeJS.Timeout>();
  let inFlight = 0;
  let maxInFlight = 0;
  const server: Server = createServer((request: IncomingMessage, response) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    response.on("close", () => {
      inFlight -= 1;
    });
    const path = new URL(request.url ?? "/", "http://site").pathname;
    requests.push({
      path,
      ifNoneMatch: request.headers["if-none-match"],
      ifModifiedSince: request.headers["if-modified-since"],
      userAgent: request.headers["user-agent"],
    });
    const page = pages.get(path);
    const answer = () => {
      if (!page) {
        response.writeHead(404, { "content-type": "text/plain" }).end("not found");
        return;
      }
      if (page.location) {
        response.writeHead(page.status ?? 301, { location: page.location }).end();
        return;
      }
      const etag = page.etag ? `"${page.etag}"` : undefined;
      if (etag && request.headers["if-none-match"] === etag) {
        response.writeHead(304, { etag }).end();
        return;
      }
      if (page.lastModified && request.headers["if-modified-since"] === page.lastModified) {
        response.writeHead(304).end();
        return;
      }
      const headers: Record<string, string> = {
        "content-type": page.contentType ?? "text/html; charset=utf-8",
      };
      if (etag) headers.etag = etag;
      if (page.lastModified) headers["last-modified"] = page.lastModified;
      response.writeHead(page.status ?? 200, headers).end(page.body ?? "");
    };
    if (page?.delayMs) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!response.destroyed) answer();
      }, page.delayMs);
      timers.add(timer);
    } else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    pages,
    requests,
    maxInFlight: () => maxInFlight,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
