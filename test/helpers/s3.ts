/**
 * A local S3-compatible server (s3rver, an npm dev dependency) on 127.0.0.1 with a temp folder,
 * for tests that run the real stores on an object store. Stop it with close(); stop()/restart()
 * take it away and bring it back on the same port and folder (an outage).
 */
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";

/** s3rver accepts this one key pair (it does not check SigV4 signatures, only the key id). */
export const S3RVER_KEY = "S3RVER";

export interface LocalS3 {
  endpoint: string;
  /** The AWS_* variables a replica needs for this server. */
  env: Record<string, string>;
  /** Takes the server away: the port refuses connections, open connections are cut. */
  stop(): Promise<void>;
  /** Brings it back on the same port with the same data. */
  restart(): Promise<void>;
  /** stop() and delete the folder. */
  close(): Promise<void>;
}

export async function startLocalS3(buckets: string[]): Promise<LocalS3> {
  const directory = mkdtempSync(join(tmpdir(), "course-ta-s3-"));
  let port = 0;
  let server: S3rver | undefined;
  const start = async () => {
    server = new S3rver({
      address: "127.0.0.1",
      port,
      silent: true,
      directory,
      configureBuckets: buckets.map((name) => ({ name })),
    });
    const address = (await server.run()) as AddressInfo;
    port = address.port;
  };
  const stop = async () => {
    const running = server;
    server = undefined;
    if (!running) return;
    const http = (running as unknown as { httpServer: Server }).httpServer;
    const closed = running.close();
    http.closeAllConnections();
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
      AWS_SECRET_ACCESS_KEY: S3RVER_KEY,
      AWS_ALLOW_HTTP: "true",
    },
    stop,
    restart: start,
    async close() {
      await stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
