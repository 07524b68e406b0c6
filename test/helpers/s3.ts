/**
 * A local S3-compatible server (s3rver, an npm dev dependency) on 127.0.0.1 with a temp folder,
 * for tests that run the real stores on an object store. close() stops it and deletes the folder;
 * stop()/restart() take it away and bring it back on the same port and data (an outage).
 *
 * s3rver ignores `If-None-Match: *` on PUT, the conditional write LanceDB commits with on s3://
 * (AWS S3, MinIO and R2 honour it). By default a thin layer in front answers such a PUT with 412
 * when the object exists, one PUT per key at a time, as AWS does; `conditionalPut: false` serves
 * s3rver as it is (a store without conditional writes).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";

/** s3rver accepts this one key id (it checks no SigV4 signature, so any secret passes). */
export const S3RVER_KEY = "S3RVER";

export interface LocalS3 {
  endpoint: string;
  /** The AWS_* variables a replica needs for this server. */
  env: Record<string, string>;
  /** Conditional PUTs refused with 412 so far (each one a commit race LanceDB then retried). */
  readonly conflicts: number;
  /** Takes the server away: the port refuses connections, open connections are cut. */
  stop(): Promise<void>;
  /** Brings it back on the same port with the same data. */
  restart(): Promise<void>;
  /** stop() and delete the folder. */
  close(): Promise<void>;
}

interface S3rverInternals {
  getMiddleware(): (request: IncomingMessage, response: ServerResponse) => void;
  store: { existsObject(bucket: string, key: string): Promise<boolean> };
}

export async function startLocalS3(
  buckets: string[],
  options: { conditionalPut?: boolean } = {},
): Promise<LocalS3> {
  const directory = mkdtempSync(join(tmpdir(), "course-ta-s3-"));
  const s3rver = new S3rver({
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  }) as unknown as S3rver & S3rverInternals & { configureBuckets(): Promise<void> };
  await s3rver.configureBuckets();
  const handle = s3rver.getMiddleware();
  const conditionalPut = options.conditionalPut ?? true;
  /** The PUT in flight per key: a conditional PUT waits for it, then checks existence. */
  const writing = new Map<string, Promise<void>>();
  let conflicts = 0;

  const serve = async (request: IncomingMessage, response: ServerResponse) => {
    const ifNoneMatch = request.headers["if-none-match"];
    if (!conditionalPut || request.method !== "PUT" || ifNoneMatch !== "*") return handle(request, response);
    const path = decodeURIComponent(new URL(request.url ?? "/", "http://s3").pathname).slice(1);
    const [bucket, ...rest] = path.split("/");
    const key = rest.join("/");
    // Queue behind the PUT in flight for this key before looking, so check-then-write is atomic.
    const before = writing.get(path) ?? Promise.resolve();
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const mine = before.then(() => held);
    writing.set(path, mine);
    void mine.then(() => {
      if (writing.get(path) === mine) writing.delete(path);
    });
    await before;
    if (await s3rver.store.existsObject(bucket!, key)) {
      conflicts++;
      release();
      request.resume();
      response.writeHead(412, { "content-type": "application/xml" });
      response.end(
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>',
      );
      return;
    }
    response.once("close", () => release());
    handle(request, response);
  };

  let port = 0;
  let server: Server | undefined;
  const start = async () => {
    const next = createServer((request, response) => {
      serve(request, response).catch(() => {
        response.statusCode = 500;
        response.end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      next.once("error", reject);
      next.listen(port, "127.0.0.1", () => resolve());
    });
    port = (next.address() as AddressInfo).port;
    server = next;
  };
  const stop = async () => {
    const running = server;
    server = undefined;
    if (!running) return;
    const closed = new Promise<void>((resolve) => running.close(() => resolve()));
    running.closeAllConnections();
    await closed;
  };
  await start();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    env: {
      AWS_ENDPOINT: endpoint,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: S3RVER_KEY,
      AWS_SECRET_ACCESS_KEY: "any-secret-s3rver-checks-no-signature",
    },
    get conflicts() {
      return conflicts;
    },
    stop,
    restart: start,
    async close() {
      await stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
