/** What the HTTP app is given by deps.ts; each route factory takes only the part it uses. */
import type { AdminServices } from "../admin/services.ts";
import type { ChatService } from "../chat/index.ts";
import type { Logger } from "../log.ts";
import type { ConversationStore, TraceStore } from "../store/index.ts";
import type { StaffServices } from "./staff-services.ts";

export interface Readiness {
  /** `unavailable` when the data store cannot be read: nothing can be answered (HTTP 503). */
  status: "ok" | "degraded" | "unavailable";
  reasons: string[];
  model: string;
  retrieval: "hybrid" | "fulltext";
  /** Whether the data store (the corpus table) answered a one-row read just now. */
  store?: "ok" | "unavailable";
}

/** A platform webhook, handled outside http/ (bots/ owns the platform logic; deps.ts wires it). */
export type WebhookHandler = (request: {
  rawBody: Uint8Array;
  headers: Headers;
}) => Promise<{ status: number; body: unknown; headers?: Record<string, string> }>;

/** Webhook handlers by platform; deps.ts fills them in after the bots start (read per request). */
export interface WebhookHandlers {
  line?: WebhookHandler;
  discord?: WebhookHandler;
}

export interface HttpServices {
  /** Optional webhook handlers: POST /webhooks/line, POST /webhooks/discord. */
  webhooks?: WebhookHandlers;
  /** Enables raw inference on /v1/chat/completions for other TA instances (see routes/openai.ts). */
  inferenceToken?: string;
  /** Shared with the edge Worker; enables POST /internal/relay/:platform. */
  relaySecret?: string;
  chat: ChatService;
  traces: TraceStore;
  conversations: ConversationStore;
  readiness(): Readiness | Promise<Readiness>;
  modelName: string;
  adminToken: string;
  bodyMaxBytes: number;
  /**
   * Questions per client address on /api/chat and /v1/chat/completions (token bucket; perMinute 0
   * turns it off). Default: burst 10, 6 per minute.
   */
  questionRateLimit?: { burst: number; perMinute: number };
  /** Wrong admin tokens a client address may send in a row, then one a minute. Default 5. */
  adminLoginMaxFailures?: number;
  logger: Logger;
  /** Admin pages: sessions, pseudonyms, corpus management, next-token view (see AdminServices for defaults). */
  admin?: AdminServices;
  /** Verified answers and hand-offs (the staff loop); their API and pages are off without it. */
  staff?: StaffServices;
}
