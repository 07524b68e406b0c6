/** What the staff loop's API and pages are given by deps.ts (verified answers, hand-offs). */
import type { VerifiedAnswerStore } from "../store/verified-answers.ts";

export interface StaffServices {
  verified: VerifiedAnswerStore;
  /** Makes the next question see a change at once (VerifiedIndex.refresh(true)). */
  verifiedChanged(): Promise<void>;
}
