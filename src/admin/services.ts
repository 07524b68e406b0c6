/** What the admin pages need from the rest of the service; deps.ts fills it in. */
import type { EvalRunStore } from "../store/index.ts";
import type { SamplingOptions } from "../types.ts";
import type { CorpusAdmin } from "./corpus-admin.ts";
import type { AdminSessions } from "./sessions.ts";
import type { WeakRetrievalThresholds } from "./weak-retrieval.ts";

export interface NextTokenCandidate {
  token: string;
  probability: number;
}

export interface NextTokenResult {
  /** The exact text evaluated (after the chat template, when asked for). */
  prompt: string;
  candidates: NextTokenCandidate[];
}

export interface AdminServices {
  /** Signs session cookies and issues one-time login links. Default: created from the admin token. */
  sessions?: AdminSessions;
  /** Secret for student pseudonyms. Default: the admin token (then pseudonyms change when it does). */
  pseudonymSecret?: string;
  /** Time zone times are shown in. Default "Asia/Taipei". */
  timeZone?: string;
  /** When retrieval counts as weak. Default DEFAULT_WEAK_RETRIEVAL (BM25 3, cosine 0.3). */
  weakRetrieval?: Partial<WeakRetrievalThresholds>;
  /** Corpus management; the corpus pages say "not available" without it. */
  corpus?: CorpusAdmin;
  /** Top-N next tokens from the loaded model; absent when no model is loaded. */
  nextTokens?(prompt: string, options: { topN: number; chatTemplate: boolean }): Promise<NextTokenResult>;
  /** Stored answer-quality runs (npm run eval -- answers); the Quality page says "none yet" without it. */
  evalRuns?: Pick<EvalRunStore, "list" | "get">;
  /** Sampling defaults shown in the playground. */
  samplingDefaults?: SamplingOptions;
}
