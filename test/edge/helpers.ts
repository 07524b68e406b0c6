/**
 * Edge relay test helpers: bundle the Worker with `wrangler deploy --dry-run`, run the bundle in
 * workerd through Miniflare, and a recording HTTP server on 127.0.0.1 to stand in for the origin.
 */
import { execFile } from "node:child_process";
import { createHmac, type KeyObject, sign } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { Miniflare } from "miniflare";

/** Environment for wrangler and Miniflare: no metrics, no cf.json download, no update check. */
export const OFFLINE_ENV = {
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
} as const;
for (const [name, value] of Object.entries(OFFLINE_ENV)) process.env[name] = value;

export const COMPATIBILITY_DATE = "2025-09-01";

/** A fresh folder for a bundle (made before bundling, so a failed run can still remove it). */
export function makeBundleDir(): string {
  return mkdtempSync(join(tmpdir(), "course-ta-edge-"));
}

/** Runs `wrangler deploy --dry-run --outdir <outdir>` (no login needed); returns the bundle path. */
export async function bundleEdgeWorker(outdir: string) {
  const wrangler = resolve("node_modules/wrangler/bin/wrangler.js");
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    [wrangler, "deploy", "--dry-run", "--outdir", outdir],
    {
      cwd: resolve("."),
      env: { ...process.env, ...OFFLINE_ENV, WRANGLER_LOG_PATH: join(outdir, "logs") },
      timeout: 60_000,
    },
  );
  return { outdir, scriptPath: join(outdir, "worker.js"), output: `${stdout}\n${stderr}` };
}

export interface EdgeWorker {
  url: string;
  /** console.* lines the Worker printed. */
  logs: string[];
  fetch(path: string, init?: RequestInit): Promise<Response>;
  dispose(): Promise<void>;
}

/** Loads the bundled Worker into workerd, with string bindings as vars and secrets. */
export async function startEdgeWorker(
  scriptPath: string,
  bindings: Record<string, string>,
): Promise<EdgeWorker> {
  const logs: string[] = [];
  const mf = new Miniflare({
    modules: true,
    scriptPath,
    // Module names are paths relative to this root; the bundle lives in a temporary folder.
    modulesRoot: dirname(scriptPath),
    compatibilityDate: COMPATIBILITY_DATE,
    bindings,
    host: "127.0.0.1",
    port: 0,
    cf: false,
    telemetry: { enabled: false },
    handleStructuredLogs: ({ message }: { message: string }) => {
      logs.push(message);
    },
  });
  const url = (await mf.ready).toString().replace(/\/$/, "");
  return {
    url,
    logs,
    fetch: (path, init) => fetch(`${url}${path}`, init),
    dispose: () => mf.dispose(),
  };
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: Buffer;
  at: number;
}

export type Responder = (request: RecordedRequest, response: ServerResponse) => void | Promise<void>;

export interface RecordingOrigin {
  url: string;
  requests: RecordedRequest[];
  /** How the next requests are answered (default: 200 {}). */
  respond: Responder;
  /** Resolves with the first recorded request matching, waiting up to timeoutMs. */
  waitFor(match: (request: RecordedRequest) => boolean, timeoutMs?: number): Promise<RecordedRequest>;
  close(): Promise<void>;
}

export const answerJson =
  (body: unknown, status = 200, delayMs = 0): Responder =>
  async (_request, response) => {
    if (delayMs) await new Promise((done) => setTimeout(done, delayMs));
    response.writeHead(status, { "content-type": "application/json" });
    response.end(JSON.stringify(body));
  };

export async function startRecordingOrigin(): Promise<RecordingOrigin> {
  const requests: RecordedRequest[] = [];
  const origin: RecordingOrigin = {
    url: "",
    requests,
    respond: answerJson({}),
    async waitFor(match, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = requests.find(match);
        if (found) return found;
        if (Date.now() > deadline)
          throw new Error(`no matching request reached the origin in ${timeoutMs} ms`);
        await new Promise((done) => setTimeout(done, 20));
      }
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const recorded: RecordedRequest = {
      method: request.method ?? "",
      path: request.url ?? "",
      headers: request.headers,
      body: Buffer.concat(chunks),
      at: Date.now(),
    };
    requests.push(recorded);
    try {
      await origin.respond(recorded, response);
    } catch (error) {
      if (!response.headersSent) response.writeHead(500);
      response.end(String(error));
    }
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", () => done()));
  origin.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return origin;
}

/** X-Line-Signature for a body. */
export function lineSignature(channelSecret: string, body: string | Buffer): string {
  return createHmac("sha256", channelSecret).update(body).digest("base64");
}

/** A LINE webhook body of exactly `size` bytes: the events plus ASCII padding in an extra field. */
export function paddedLineBody(events: object[], size: number): string {
  const body = (padding: string) => JSON.stringify({ destination: "Ubot", events, padding });
  const padding = "x".repeat(size - Buffer.byteLength(body("")));
  return body(padding);
}

/** The headers Discord sends: Ed25519 over timestamp + body. */
export function discordHeaders(
  privateKey: KeyObject,
  body: string,
  timestamp = String(Math.floor(Date.now() / 1000)),
) {
  const signature = sign(null, Buffer.from(timestamp + body), privateKey).toString("hex");
  return {
    "content-type": "application/json",
    "x-signature-ed25519": signature,
    "x-signature-timestamp": timestamp,
  };
}

/** Reads a streamed body chunk by chunk, noting when each piece of text arrived. */
export async function readChunks(response: Response): Promise<{ text: string; at: number }[]> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const chunks: { text: string; at: number }[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return chunks;
    chunks.push({ text: decoder.decode(value, { stream: true }), at: Date.now() });
  }
}
