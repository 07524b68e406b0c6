/**
 * /admin/verified (verified answers: list with served counts, add, edit, retire, expiry, delete) and
 * /admin/handoffs (the queue, the conversation so far, the reply form). Forms post and redirect.
 */
import { type Context, Hono } from "hono";
import { AppError, errorCode, errorMessage, httpStatusOf } from "../errors.ts";
import type { HandoffDesk } from "../staff/handoff-desk.ts";
import {
  ANSWER_MAX_CHARS,
  parseSourceLines,
  QUESTION_MAX_CHARS,
  readExpiry,
  readOptionalId,
  readText,
} from "../staff/input.ts";
import type { ConversationStore } from "../store/conversations.ts";
import type { HandoffStatus, HandoffStore } from "../store/handoffs.ts";
import { isServable, type VerifiedAnswerStore } from "../store/verified-answers.ts";
import type { AdminContext } from "./context.ts";
import { FlashNotices } from "./flash.ts";
import { readForm } from "./forms.ts";
import { ErrorPage, renderPage } from "./pages/layout.tsx";
import { HandoffDetailPage, HandoffListPage, VerifiedEditPage, VerifiedListPage } from "./pages/staff.tsx";
import { formatTime } from "./time.ts";

export interface StaffPageServices {
  verified: VerifiedAnswerStore;
  verifiedChanged(): Promise<void>;
  handoffs: HandoffStore;
  desk: HandoffDesk;
  conversations: Pick<ConversationStore, "history">;
}

/** "3 min", "2 h", "4 d". */
export function formatAge(fromIso: string, now = Date.now()): string {
  const minutes = Math.max(0, Math.round((now - Date.parse(fromIso)) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)} h`;
  return `${Math.round(minutes / 1440)} d`;
}

async function formValues(c: Context): Promise<Record<string, string>> {
  const form = await readForm(c);
  return Object.fromEntries(
    Object.entries(form).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
}

function answerFields(form: Record<string, string>) {
  return {
    question: readText(form, "question", QUESTION_MAX_CHARS),
    answer: readText(form, "answer", ANSWER_MAX_CHARS),
    sources: parseSourceLines(form.sources ?? ""),
    expiresAt: readExpiry({ expiresAt: form.expiresAt ?? "" }) ?? "",
  };
}

export function createStaffPages(context: AdminContext, staff: StaffPageServices): Hono {
  const app = new Hono();
  const flash = new FlashNotices();
  const time = (iso: string) => formatTime(iso, context.timeZone);
  app.onError((error, c) => {
    const status = httpStatusOf(errorCode(error));
    const shown = status === 400 || status === 404 || status === 409 ? status : 500;
    const message =
      shown === 500 ? "Something went wrong on the server; the log has the details." : errorMessage(error);
    return renderPage(
      c,
      <ErrorPage title={shown === 404 ? "Not found" : "Error"} message={message} />,
      shown === 409 ? 400 : shown,
    );
  });

  app.get("/verified", async (c) => {
    const [answers, counts] = await Promise.all([staff.verified.list(), staff.verified.servedCounts()]);
    const now = new Date();
    return renderPage(
      c,
      <VerifiedListPage
        answers={answers.map((answer) => ({
          answer,
          served: counts.get(answer.id) ?? 0,
          updated: time(answer.updatedAt),
          servable: isServable(answer, now),
        }))}
        notice={flash.take(c.req.query("notice"))}
      />,
    );
  });

  app.post("/verified", async (c) => {
    const form = await formValues(c);
    const traceId = readOptionalId(form, "traceId");
    if (traceId && !(await context.traces.get(traceId)))
      throw new AppError(`there is no trace ${traceId}`, "bad_request");
    const added = await staff.verified.add({ ...answerFields(form), traceId });
    await staff.verifiedChanged();
    const id = flash.put({
      message: `Saved: 「${added.question}」 is now answered this way.`,
      warnings: [],
      error: false,
    });
    return c.redirect(`/admin/verified?notice=${id}`, 303);
  });

  app.get("/verified/:id", async (c) => {
    const answer = await staff.verified.get(c.req.param("id"));
    if (!answer) throw new AppError(`there is no verified answer ${c.req.param("id")}`, "not_found");
    const served = (await staff.verified.servedCounts()).get(answer.id) ?? 0;
    return renderPage(
      c,
      <VerifiedEditPage
        answer={answer}
        served={served}
        notice={flash.take(c.req.query("notice"))?.message}
      />,
    );
  });

  app.post("/verified/:id", async (c) => {
    const answer = await staff.verified.update(c.req.param("id"), answerFields(await formValues(c)));
    await staff.verifiedChanged();
    const id = flash.put({ message: "Saved.", warnings: [], error: false });
    return c.redirect(`/admin/verified/${encodeURIComponent(answer.id)}?notice=${id}`, 303);
  });

  app.post("/verified/:id/status", async (c) => {
    const status = (await formValues(c)).status === "active" ? "active" : "retired";
    await staff.verified.update(c.req.param("id"), { status });
    await staff.verifiedChanged();
    const id = flash.put({
      message: status === "retired" ? "Retired: no longer served." : "Served again.",
      warnings: [],
      error: false,
    });
    return c.redirect(`/admin/verified?notice=${id}`, 303);
  });

  app.post("/verified/:id/delete", async (c) => {
    await staff.verified.remove(c.req.param("id"));
    await staff.verifiedChanged();
    const id = flash.put({ message: "Deleted.", warnings: [], error: false });
    return c.redirect(`/admin/verified?notice=${id}`, 303);
  });

  app.get("/handoffs", async (c) => {
    const requested = c.req.query("status") ?? "open";
    const status = ["open", "answered", "closed"].includes(requested)
      ? (requested as HandoffStatus)
      : undefined;
    const handoffs = await staff.handoffs.list(status);
    return renderPage(
      c,
      <HandoffListPage
        status={status ?? "all"}
        rows={handoffs.map((handoff) => ({
          handoff,
          pseudonym: context.pseudonymOf(handoff.platform, handoff.userId),
          age: formatAge(handoff.createdAt),
        }))}
      />,
    );
  });

  app.get("/handoffs/:id", async (c) => {
    const handoff = await staff.desk.get(c.req.param("id"));
    const turns = await staff.conversations.history(handoff.conversationId, 40);
    return renderPage(
      c,
      <HandoffDetailPage
        handoff={handoff}
        pseudonym={context.pseudonymOf(handoff.platform, handoff.userId)}
        age={formatAge(handoff.createdAt)}
        conversation={turns.map((turn) => ({ ...turn, time: time(turn.createdAt) }))}
        notice={flash.take(c.req.query("notice"))}
      />,
    );
  });

  app.post("/handoffs/:id/reply", async (c) => {
    const form = await formValues(c);
    const text = readText(form, "text", ANSWER_MAX_CHARS);
    const outcome = await staff.desk.reply(c.req.param("id"), text, {
      saveAsVerified: form.saveAsVerified === "1",
    });
    const message = outcome.delivered
      ? `Sent to the student${outcome.verifiedAnswerId ? ", and saved as a verified answer" : ""}.`
      : `Saved, but not delivered: ${outcome.handoff.deliveryError}`;
    const id = flash.put({ message, warnings: [], error: !outcome.delivered });
    return c.redirect(`/admin/handoffs/${encodeURIComponent(outcome.handoff.id)}?notice=${id}`, 303);
  });

  app.post("/handoffs/:id/redeliver", async (c) => {
    const outcome = await staff.desk.redeliver(c.req.param("id"));
    const message = outcome.delivered
      ? "Sent to the student."
      : `Still not delivered: ${outcome.handoff.deliveryError}`;
    const id = flash.put({ message, warnings: [], error: !outcome.delivered });
    return c.redirect(`/admin/handoffs/${encodeURIComponent(outcome.handoff.id)}?notice=${id}`, 303);
  });

  app.post("/handoffs/:id/close", async (c) => {
    const handoff = await staff.desk.close(c.req.param("id"));
    const id = flash.put({ message: "Closed.", warnings: [], error: false });
    return c.redirect(`/admin/handoffs/${encodeURIComponent(handoff.id)}?notice=${id}`, 303);
  });
  return app;
}
