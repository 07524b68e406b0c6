import { expect, it } from "vitest";
import type { ErrorCode } from "../../src/errors.ts";
import { publicErrorEvent, publicErrorMessage } from "../../src/http/responses.ts";
import { createLogger } from "../../src/log.ts";

it.each([
  ["internal", "Cannot read properties of undefined (reading 'x') at /srv/ta/src/x.ts", "internal error"],
  ["generation_failed", "Generation failed: ggml_abort in /srv/models/x.gguf", "internal error"],
  ["store_failed", "cannot open the database at /srv/data: EACCES", "internal error"],
  [
    "overloaded",
    "the service is busy; try again in a few seconds",
    "the service is busy; try again in a few seconds",
  ],
  ["timeout", "the answer took too long", "the answer took too long"],
  ["invalid_message", "message must be a non-empty string", "message must be a non-empty string"],
  ["cancelled", "the client disconnected", "the client disconnected"],
])("%s errors show clients: %s -> %s", (code, message, shown) => {
  expect(publicErrorMessage(code as ErrorCode, message)).toBe(shown);
});

it("masks an internal error event for the client and logs the original with its trace id", () => {
  const lines: string[] = [];
  const logger = createLogger({ write: (line) => lines.push(line) });
  const event = {
    type: "error",
    code: "internal",
    message: "ENOENT: /srv/ta/secret.txt",
    traceId: "t-1",
  } as const;
  expect(publicErrorEvent(event, logger, "POST /api/chat")).toEqual({ ...event, message: "internal error" });
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain("POST /api/chat: ENOENT: /srv/ta/secret.txt (trace t-1)");
  const busy = { type: "error", code: "overloaded", message: "busy", traceId: "t-2" } as const;
  expect(publicErrorEvent(busy, logger, "POST /api/chat")).toBe(busy);
  expect(lines).toHaveLength(1);
});
