/**
 * Builds the staff loop from what deps.ts has: the alert webhook (when configured), the crisis hook for
 * the pipeline, the hand-off desk (which alerts on each new hand-off) and the daily digest's timer.
 */
import { digestFigures, formatDigest, scheduleDigest } from "../alerts/digest.ts";
import { StaffAlerts } from "../alerts/staff-alerts.ts";
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import { formatCourseDate } from "../prompt/index.ts";
import type { ConversationStore } from "../store/conversations.ts";
import type { HandoffStore } from "../store/handoffs.ts";
import type { TraceStore } from "../store/traces.ts";
import type { VerifiedAnswerStore } from "../store/verified-answers.ts";
import type { Trace } from "../types.ts";
import { HandoffDesk, type StaffReplyCourier } from "./handoff-desk.ts";

export interface StaffLoopWiring {
  staff: { alertWebhookUrl?: string; publicBaseUrl?: string; digestHour: number };
  timeZone: string;
  logger: Logger;
  pseudonymOf(platform: string, userId: string): string;
  handoffs: HandoffStore;
  verified: VerifiedAnswerStore;
  verifiedChanged(): Promise<void>;
  conversations: Pick<ConversationStore, "history">;
  traces: Pick<TraceStore, "listSummaries">;
}

export interface StaffLoop {
  desk: HandoffDesk;
  /** Filled in when the bots start. */
  couriers: { line?: StaffReplyCourier; discord?: StaffReplyCourier };
  /** For ChatDeps.onAnswered: alerts staff to a crisis flag. */
  onAnswered?: (trace: Trace) => void;
  close(): Promise<void>;
}

export function createStaffLoop(wiring: StaffLoopWiring): StaffLoop {
  const { staff, logger } = wiring;
  const alerts = staff.alertWebhookUrl
    ? new StaffAlerts({ webhookUrl: staff.alertWebhookUrl, publicBaseUrl: staff.publicBaseUrl, logger })
    : undefined;
  const couriers: StaffLoop["couriers"] = {};
  const desk = new HandoffDesk({
    store: wiring.handoffs,
    conversations: wiring.conversations,
    verified: wiring.verified,
    logger,
    couriers,
    verifiedChanged: wiring.verifiedChanged,
    onCreated: (handoff) =>
      alerts?.notify({
        kind: "handoff",
        pseudonym: wiring.pseudonymOf(handoff.platform, handoff.userId),
        platform: handoff.platform,
        mode: "handoff",
        question: handoff.question,
        traceId: handoff.traceId,
      }),
  });
  const stopDigest =
    alerts && staff.digestHour >= 0
      ? scheduleDigest({
          hour: staff.digestHour,
          timeZone: wiring.timeZone,
          onError: (error) => logger.error(`daily digest failed: ${errorMessage(error)}`),
          post: async () => {
            const now = new Date();
            const since = new Date(now.getTime() - 86_400_000).toISOString();
            const figures = digestFigures(
              await wiring.traces.listSummaries({ from: since }),
              await wiring.handoffs.countOpen(),
            );
            const day = formatCourseDate(now, wiring.timeZone).date;
            alerts.send(formatDigest(figures, day, staff.publicBaseUrl), "daily digest");
          },
        })
      : () => {};
  return {
    desk,
    couriers,
    onAnswered: alerts
      ? (trace) => {
          if (trace.mode !== "crisis") return;
          alerts.notify({
            kind: "crisis",
            pseudonym: wiring.pseudonymOf(trace.platform, trace.userId),
            platform: trace.platform,
            mode: trace.mode,
            question: trace.question,
            traceId: trace.id,
          });
        }
      : undefined,
    async close() {
      stopDigest();
      await alerts?.close();
    },
  };
}
