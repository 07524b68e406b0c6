/** Builds AdminServices from what deps.ts has (the model comes in structurally: admin/ never imports llm/). */
import type { ChatMessage, SamplingOptions } from "../types.ts";
import { type CorpusAdminOptions, createCorpusAdmin } from "./corpus-admin.ts";
import type { AdminServices } from "./services.ts";
import { AdminSessions } from "./sessions.ts";
import type { WeakRetrievalThresholds } from "./weak-retrieval.ts";

export interface NextTokenModel {
  renderPrompt(messages: ChatMessage[]): { text: string };
  nextTokenProbabilities(prompt: string, topN: number): Promise<{ token: string; probability: number }[]>;
}

export interface AdminWiring {
  adminToken: string;
  /** Default: the admin token. */
  pseudonymSecret?: string;
  timeZone: string;
  /** How long an admin session lasts, in ms. Default 12 hours. */
  sessionLifetimeMs?: number;
  samplingDefaults: SamplingOptions;
  weakRetrieval?: Partial<WeakRetrievalThresholds>;
  corpus: CorpusAdminOptions;
  /** null when no model is loaded. */
  model: NextTokenModel | null;
}

export function createAdminServices(wiring: AdminWiring): AdminServices & { sessions: AdminSessions } {
  const { model } = wiring;
  return {
    sessions: new AdminSessions(wiring.adminToken, { lifetimeMs: wiring.sessionLifetimeMs }),
    pseudonymSecret: wiring.pseudonymSecret,
    timeZone: wiring.timeZone,
    samplingDefaults: wiring.samplingDefaults,
    weakRetrieval: wiring.weakRetrieval,
    corpus: createCorpusAdmin(wiring.corpus),
    nextTokens: model
      ? async (prompt, options) => {
          const text = options.chatTemplate
            ? model.renderPrompt([{ role: "user", content: prompt }]).text
            : prompt;
          return { prompt: text, candidates: await model.nextTokenProbabilities(text, options.topN) };
        }
      : undefined,
  };
}

/** The one-time login link printed at start (valid once, for 15 minutes). */
export function adminLoginLink(sessions: AdminSessions, baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/admin/login?token=${sessions.issueLoginCode()}`;
}
