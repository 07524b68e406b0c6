/**
 * Plain reverse proxy to the origin for /api/*, /v1/* and the health checks. The origin's
 * Response is returned as it is, so its body stream (SSE included) passes through unbuffered.
 * With RELAY_SECRET, the client's address goes along signed, so the origin's per-client limits see
 * each student instead of the Worker.
 */
import { CLIENT_ADDRESS_HEADERS, signClientAddress } from "../client-address-signature.ts";
import { errorBody } from "./env.ts";

/** Request headers that describe the hop to the edge, not the client's request (Host is the origin's). */
const HOP_HEADERS = [
  "host",
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
];

export async function proxyToOrigin(
  originUrl: string,
  request: Request,
  relaySecret?: string,
): Promise<Response> {
  const incoming = new URL(request.url);
  const headers = new Headers(request.headers);
  for (const name of HOP_HEADERS) headers.delete(name);
  // A client never names its own address: only the edge's signature counts.
  for (const name of Object.values(CLIENT_ADDRESS_HEADERS)) headers.delete(name);
  headers.set("x-forwarded-host", incoming.host);
  headers.set("x-forwarded-proto", incoming.protocol.replace(":", ""));
  const clientIp = request.headers.get("cf-connecting-ip");
  if (clientIp) headers.set("x-forwarded-for", clientIp);
  if (clientIp && relaySecret) {
    for (const [name, value] of Object.entries(await signClientAddress(relaySecret, clientIp)))
      headers.set(name, value);
  }
  const hasBody = request.method !== "GET" && request.method !== "HEAD";
  try {
    return await fetch(`${originUrl}${incoming.pathname}${incoming.search}`, {
      method: request.method,
      headers,
      body: hasBody ? request.body : null,
      redirect: "manual",
      signal: request.signal,
    });
  } catch (error) {
    if (request.signal.aborted) return new Response(null, { status: 499 });
    const message = error instanceof Error ? error.message : String(error);
    console.error(`edge proxy: origin unreachable for ${request.method} ${incoming.pathname}: ${message}`);
    return Response.json(errorBody("bad_gateway", "the origin service is unreachable"), { status: 502 });
  }
}
