import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { Hono } from "hono";

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Unread request body discarded after an answer, at most (then the connection is closed). */
const DRAIN_MAX_BYTES = 64 * 1024 * 1024;
/** Time allowed for that discarding, at most (then the connection is closed). */
const DRAIN_MAX_MS = 10_000;

/**
 * Reads and discards what is left of a request body once its answer is written (a 413, or any
 * refusal made before reading), so the keep-alive connection stays usable for the next request.
 * @hono/node-server's own clean-up cannot do it: the body's web stream (Readable.toWeb) keeps its
 * `data` listener and pauses the request again as soon as its queue is full, and after 500 ms the
 * socket is closed under a client that already counts it as idle ("other side closed").
 * Over DRAIN_MAX_BYTES or DRAIN_MAX_MS the connection is closed; the answer was sent long before.
 */
function drainUnreadBody(request: IncomingMessage): void {
  if (request.complete || request.destroyed) return;
  request.removeAllListeners("data"); // as Node's own req._dump() does
  let bytes = 0;
  const stop = () => {
    clearTimeout(timer);
    request.socket?.destroy();
  };
  const timer = setTimeout(stop, DRAIN_MAX_MS);
  timer.unref();
  request.on("data", (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > DRAIN_MAX_BYTES) stop();
  });
  request.once("end", () => clearTimeout(timer));
  request.once("close", () => clearTimeout(timer));
  request.resume();
}

/** Serves the app with Node's HTTP server; resolves once listening (port 0 picks a free port). */
export function startHttpServer(app: Hono, host: string, port: number): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    // autoCleanupIncoming off: drainUnreadBody replaces it (see there why).
    const server = serve(
      { fetch: app.fetch, hostname: host, port, autoCleanupIncoming: false },
      (info: AddressInfo) => {
        const displayHost = host.includes(":") ? `[${host}]` : host;
        resolve({
          url: `http://${displayHost}:${info.port}`,
          port: info.port,
          close: () =>
            new Promise<void>((done) => {
              server.close(() => done());
              // Streaming clients would otherwise hold the server open.
              (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
            }),
        });
      },
    );
    server.on("request", (request: IncomingMessage, response: ServerResponse) => {
      response.once("finish", () => drainUnreadBody(request));
    });
    server.once("error", reject);
  });
}
