/** Reading request bodies: malformed input becomes a 400 with a message a client can act on. */
import { AppError, errorMessage } from "../errors.ts";

/** Parses a JSON object body, turning malformed input into a 400 with a clear message. */
export async function readJsonObject(request: Request): Promise<Record<string, unknown>> {
  const contentType = request.headers.get("content-type") ?? "";
  if (!contentType.toLowerCase().includes("application/json")) {
    throw new AppError("send the body as JSON with Content-Type: application/json", "invalid_json");
  }
  let text: string;
  try {
    const bytes = new Uint8Array(await request.arrayBuffer());
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new AppError("request body is not valid UTF-8", "invalid_json");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new AppError(`request body is not valid JSON: ${errorMessage(error)}`, "invalid_json");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new AppError("request body must be a JSON object", "invalid_json");
  }
  return parsed as Record<string, unknown>;
}

/** An AbortSignal that fires when the client goes away. */
export function clientGone(request: Request): AbortController {
  const abort = new AbortController();
  request.signal?.addEventListener("abort", () => abort.abort(), { once: true });
  return abort;
}
