/**
 * The hand-off desk: a student's request for a person enters the queue (and alerts staff); a staff
 * reply is claimed once, delivered by the platform's courier marked as coming from course staff, and
 * may be saved as a verified answer. Platform delivery lives in bots/ (couriers set after they start).
 */
import { AppError, errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { ConversationStore } from "../store/conversations.ts";
import type { Handoff, HandoffStore, NewHandoff } from "../store/handoffs.ts";
import type { VerifiedAnswerStore } from "../store/verified-answers.ts";

/** Delivers a staff reply on one platform; throws when the platform did not take it. */
export type StaffReplyCourier = (handoff: Handoff, text: string) => Promise<void>;

/** How a staff reply looks to the student. */
export function staffReplyText(reply: string): string {
  return `👩‍🏫 課程助教回覆：\n${reply}`;
}

export interface HandoffDeskOptions {
  store: HandoffStore;
  conversations: Pick<ConversationStore, "history">;
  verified: Pick<VerifiedAnswerStore, "add">;
  logger: Logger;
  /** Filled in when the bots start. */
  couriers: { line?: StaffReplyCourier; discord?: StaffReplyCourier };
  /** Told about every new hand-off (the staff alert); must not throw or wait. */
  onCreated?(handoff: Handoff): void;
  /** Called after a reply saved as a verified answer, so it is served at once. */
  verifiedChanged?(): Promise<void>;
}

export interface ReplyOutcome {
  handoff: Handoff;
  delivered: boolean;
  verifiedAnswerId?: string;
}

export class HandoffDesk {
  constructor(private readonly options: HandoffDeskOptions) {}

  /** Opens a hand-off; an empty question is taken from the student's last question. */
  async request(request: NewHandoff): Promise<Handoff> {
    let question = request.question.trim();
    let traceId = request.traceId;
    if (question === "") {
      const history = await this.options.conversations.history(request.conversationId, 20);
      const last = history.filter((turn) => turn.role === "user").at(-1);
      question = last?.content ?? "（學生沒有寫問題）";
      traceId ||= last?.traceId ?? "";
    }
    const handoff = await this.options.store.create({ ...request, question, traceId });
    this.options.onCreated?.(handoff);
    return handoff;
  }

  async reply(id: string, text: string, options: { saveAsVerified?: boolean } = {}): Promise<ReplyOutcome> {
    const handoff = await this.options.store.claimReply(id, text);
    const delivered = await this.deliver(handoff, text);
    let verifiedAnswerId: string | undefined;
    if (options.saveAsVerified) {
      const answer = await this.options.verified.add({
        question: handoff.question,
        answer: text,
        traceId: handoff.traceId,
      });
      verifiedAnswerId = answer.id;
      await this.options.verifiedChanged?.();
    }
    const latest = (await this.options.store.get(id)) ?? handoff;
    return { handoff: latest, delivered, verifiedAnswerId };
  }

  /**
   * Sends an answered hand-off's reply again after a failed delivery (the platform was down, the bot
   * was not running). The platforms drop a second copy by the hand-off's delivery key.
   */
  async redeliver(id: string): Promise<ReplyOutcome> {
    const handoff = await this.options.store.claimRedelivery(id);
    const delivered = await this.deliver(handoff, handoff.reply);
    return { handoff: (await this.options.store.get(id)) ?? handoff, delivered };
  }

  /** Sends a staff reply by the hand-off's platform and records the outcome; true when delivered. */
  private async deliver(handoff: Handoff, text: string): Promise<boolean> {
    const courier = this.options.couriers[handoff.platform];
    if (!courier) {
      await this.options.store.recordDelivery(handoff.id, {
        error: `the ${handoff.platform} bot is not running here`,
      });
      return false;
    }
    try {
      await courier(handoff, staffReplyText(text));
      await this.options.store.recordDelivery(handoff.id, { deliveredAt: new Date().toISOString() });
      return true;
    } catch (error) {
      this.options.logger.error(
        `hand-off ${handoff.id}: the reply was not delivered: ${errorMessage(error)}`,
      );
      await this.options.store.recordDelivery(handoff.id, { error: errorMessage(error) });
      return false;
    }
  }

  /** The newest hand-off for a trace: lets a bot refuse a second one for the same answer. */
  async forTrace(traceId: string): Promise<Handoff | undefined> {
    return this.options.store.forTrace(traceId);
  }

  async close(id: string): Promise<Handoff> {
    return this.options.store.close(id);
  }

  async get(id: string): Promise<Handoff> {
    const handoff = await this.options.store.get(id);
    if (!handoff) throw new AppError(`there is no hand-off ${id}`, "not_found");
    return handoff;
  }
}
