/**
 * Hand-offs to a human TA: a student asked for a person; staff reply from the admin page. In LanceDB,
 * so the queue survives restarts and is shared by replicas. Replying claims the hand-off with a
 * conditional merge (only an open one is updated), so two staff, or two replicas, can never both
 * deliver a reply.
 */
import * as lancedb from "@lancedb/lancedb";
import { Field, Schema, Utf8 } from "apache-arrow";
import { AppError } from "../errors.ts";
import {
  type Database,
  openOrCreateTable,
  readRowById,
  sqlString,
  storeCall,
  type Table,
} from "./database.ts";

const HANDOFFS_TABLE = "handoffs";

export type HandoffStatus = "open" | "answered" | "closed";

/** Where a staff reply goes, as the bot that took the request saw it. */
export type HandoffTarget =
  | { platform: "line"; to: string }
  | {
      platform: "discord";
      channelId: string;
      /** The student's message to reply to (gateway messages). */
      replyToMessageId?: string;
      /** Mentioned in a guild channel, so the student is notified. */
      mentionUserId?: string;
    };

export interface Handoff {
  id: string;
  platform: "line" | "discord";
  /** Raw platform id, for delivery only: staff see the pseudonym. */
  userId: string;
  conversationId: string;
  question: string;
  status: HandoffStatus;
  createdAt: string;
  traceId: string;
  target: HandoffTarget;
  reply: string;
  repliedAt: string;
  /** "" until the platform accepted the reply. */
  deliveredAt: string;
  /** Sent with every delivery attempt (LINE X-Line-Retry-Key, Discord nonce): one delivery at most. */
  deliveryKey: string;
  /** Why the last delivery failed, "" when it did not. */
  deliveryError: string;
}

const SCHEMA = new Schema(
  [
    "id",
    "platform",
    "userId",
    "conversationId",
    "question",
    "status",
    "createdAt",
    "traceId",
    "target",
    "reply",
    "repliedAt",
    "deliveredAt",
    "deliveryKey",
    "deliveryError",
  ].map((name) => new Field(name, new Utf8(), false)),
);

function toRow(handoff: Handoff): Record<string, string> {
  return { ...handoff, target: JSON.stringify(handoff.target) };
}

function fromRow(row: Record<string, unknown>): Handoff {
  const text = (name: string) => String(row[name] ?? "");
  return {
    id: text("id"),
    platform: text("platform") === "discord" ? "discord" : "line",
    userId: text("userId"),
    conversationId: text("conversationId"),
    question: text("question"),
    status: text("status") as HandoffStatus,
    createdAt: text("createdAt"),
    traceId: text("traceId"),
    target: JSON.parse(text("target") || "{}"),
    reply: text("reply"),
    repliedAt: text("repliedAt"),
    deliveredAt: text("deliveredAt"),
    deliveryKey: text("deliveryKey"),
    deliveryError: text("deliveryError"),
  };
}

export type NewHandoff = Pick<
  Handoff,
  "platform" | "userId" | "conversationId" | "question" | "traceId" | "target"
>;

export class HandoffStore {
  private constructor(
    private readonly table: Table,
    private readonly now: () => Date,
  ) {}

  static async open(database: Database, options: { now?: () => Date } = {}): Promise<HandoffStore> {
    return new HandoffStore(
      await openOrCreateTable(database, HANDOFFS_TABLE, SCHEMA),
      options.now ?? (() => new Date()),
    );
  }

  async create(request: NewHandoff): Promise<Handoff> {
    const handoff: Handoff = {
      ...request,
      id: crypto.randomUUID(),
      status: "open",
      createdAt: this.now().toISOString(),
      reply: "",
      repliedAt: "",
      deliveredAt: "",
      deliveryKey: crypto.randomUUID(),
      deliveryError: "",
    };
    await storeCall("saving a hand-off", () => this.table.add([toRow(handoff)]));
    return handoff;
  }

  async get(id: string): Promise<Handoff | undefined> {
    const row = await readRowById(this.table, id, "reading a hand-off");
    return row ? fromRow(row) : undefined;
  }

  /** Newest first; all statuses unless one is given. */
  async list(status?: HandoffStatus): Promise<Handoff[]> {
    let query = this.table.query();
    if (status) query = query.where(`status = ${sqlString(status)}`);
    const rows = await storeCall("listing hand-offs", () => query.toArray());
    return rows.map(fromRow).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** The newest hand-off opened for a trace (from an answer's button), if any. */
  async forTrace(traceId: string): Promise<Handoff | undefined> {
    if (traceId === "") return undefined;
    const rows = await storeCall("reading a trace's hand-off", () =>
      this.table
        .query()
        .where(`traceId = ${sqlString(traceId)}`)
        .toArray(),
    );
    return rows.map(fromRow).sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
  }

  async countOpen(): Promise<number> {
    return storeCall("counting open hand-offs", () => this.table.countRows(`status = ${sqlString("open")}`));
  }

  /**
   * Records staff's reply on an open hand-off and returns it; throws not_found for an unknown id and
   * conflict when it was already answered or closed (by anyone, on any replica).
   */
  async claimReply(id: string, reply: string): Promise<Handoff> {
    const current = await this.get(id);
    if (!current) throw new AppError(`there is no hand-off ${id}`, "not_found");
    if (current.status !== "open")
      throw new AppError(`hand-off ${id} is already ${current.status}: it can be answered once`, "conflict");
    const next: Handoff = { ...current, status: "answered", reply, repliedAt: this.now().toISOString() };
    await this.replaceIf(
      next,
      `target.status = ${sqlString("open")}`,
      "saving a hand-off reply",
      "was answered",
    );
    return next;
  }

  /**
   * Writes `next` over its row only while `where` still holds (one conditional commit, so two staff
   * or two replicas cannot both win); throws conflict with `lostMessage` if it no longer holds.
   */
  private async replaceIf(next: Handoff, where: string, action: string, lostMessage: string): Promise<void> {
    const result = await storeCall(action, () =>
      this.table
        .mergeInsert("id")
        .whenMatchedUpdateAll({ where })
        .execute(lancedb.makeArrowTable([toRow(next)], { schema: SCHEMA })),
    );
    if (result.numUpdatedRows !== 1) throw new AppError(lostMessage, "conflict");
  }

  /**
   * Claims an answered hand-off whose reply was not delivered for one more attempt (its error is
   * cleared while it is sent). Throws not_found, or conflict when it is not answered, was delivered,
   * or is being sent right now (by anyone, on any replica).
   */
  async claimRedelivery(id: string): Promise<Handoff> {
    const current = await this.get(id);
    if (!current) throw new AppError(`there is no hand-off ${id}`, "not_found");
    if (current.status !== "answered")
      throw new AppError(
        `hand-off ${id} is ${current.status}: only an answered one's reply is sent again`,
        "conflict",
      );
    if (current.deliveredAt !== "")
      throw new AppError(`hand-off ${id}'s reply was already delivered`, "conflict");
    if (current.deliveryError === "")
      throw new AppError(`hand-off ${id}'s reply is being sent right now`, "conflict");
    const next: Handoff = { ...current, deliveryError: "" };
    await this.replaceIf(
      next,
      `target.deliveredAt = '' AND target.deliveryError = ${sqlString(current.deliveryError)}`,
      "claiming a hand-off delivery",
      `hand-off ${id}'s reply is being sent by someone else just now`,
    );
    return next;
  }

  async recordDelivery(id: string, outcome: { deliveredAt?: string; error?: string }): Promise<void> {
    await storeCall("recording a hand-off delivery", () =>
      this.table.update({
        where: `id = ${sqlString(id)}`,
        values: { deliveredAt: outcome.deliveredAt ?? "", deliveryError: outcome.error ?? "" },
      }),
    );
  }

  async close(id: string): Promise<Handoff> {
    const current = await this.get(id);
    if (!current) throw new AppError(`there is no hand-off ${id}`, "not_found");
    if (current.status === "closed") throw new AppError(`hand-off ${id} is already closed`, "conflict");
    await storeCall("closing a hand-off", () =>
      this.table.update({ where: `id = ${sqlString(id)}`, values: { status: "closed" } }),
    );
    return { ...current, status: "closed" };
  }
}
