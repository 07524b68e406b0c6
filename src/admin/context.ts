/** Everything the admin pages use, resolved once with defaults (see AdminServices for what deps.ts passes). */
import type { ChatService } from "../chat/index.ts";
import { pseudonymFor, pseudonymousConversationId } from "../pseudonym.ts";
import type { TraceStore } from "../store/index.ts";
import type { SamplingOptions } from "../types.ts";
import type { CorpusAdmin } from "./corpus-admin.ts";
import type { AdminServices } from "./services.ts";
import { AdminSessions } from "./sessions.ts";
import { DEFAULT_WEAK_RETRIEVAL, type WeakRetrievalThresholds } from "./weak-retrieval.ts";

export interface AdminContext {
  traces: TraceStore;
  chat: ChatService;
  adminToken: string;
  sessions: AdminSessions;
  pseudonymOf(platform: string, userId: string): string;
  conversationPseudonymOf(conversationId: string): string;
  timeZone: string;
  weakRetrieval: WeakRetrievalThresholds;
  corpus?: CorpusAdmin;
  nextTokens?: AdminServices["nextTokens"];
  samplingDefaults?: SamplingOptions;
  modelName: string;
  evalRuns?: AdminServices["evalRuns"];
}

export function createAdminContext(
  base: {
    traces: TraceStore;
    chat: ChatService;
    adminToken: string;
    modelName: string;
  },
  services: AdminServices = {},
): AdminContext {
  const secret = services.pseudonymSecret ?? base.adminToken;
  return {
    ...base,
    sessions: services.sessions ?? new AdminSessions(base.adminToken),
    pseudonymOf: (platform, userId) => pseudonymFor(secret, platform, userId),
    conversationPseudonymOf: (conversationId) => pseudonymousConversationId(secret, conversationId),
    timeZone: services.timeZone ?? "Asia/Taipei",
    weakRetrieval: { ...DEFAULT_WEAK_RETRIEVAL, ...services.weakRetrieval },
    corpus: services.corpus,
    nextTokens: services.nextTokens,
    samplingDefaults: services.samplingDefaults,
    evalRuns: services.evalRuns,
  };
}
