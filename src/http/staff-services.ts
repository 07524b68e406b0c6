/** What the staff loop's API and pages are given by deps.ts (verified answers, hand-offs). */
import type { HandoffDesk } from "../staff/handoff-desk.ts";
import type { ConversationStore } from "../store/conversations.ts";
import type { HandoffStore } from "../store/handoffs.ts";
import type { VerifiedAnswerStore } from "../store/verified-answers.ts";

export interface StaffServices {
  handoffs: HandoffStore;
  desk: HandoffDesk;
  conversations: Pick<ConversationStore, "history">;
  verified: VerifiedAnswerStore;
  /** Makes the next question see a change at once (VerifiedIndex.refresh(true)). */
  verifiedChanged(): Promise<void>;
}
