/**
 * POST /webhooks/discord: Discord HTTP interactions (what the edge relay forwards). Every request
 * must carry a valid Ed25519 signature over an X-Signature-Timestamp at most 5 minutes old and at
 * most 1 minute ahead (401 otherwise, so a captured request cannot be replayed later). PING gets
 * PONG; /ask gets a deferred response at once, then the answer streams into the original response
 * through the interaction's webhook (no bot token needed).
 */
import type { KeyObject } from "node:crypto";
import { DiscordAPIError, REST, Routes } from "discord.js";
import { sleep } from "../backoff.ts";
import type { BotContext, BotWebhookHandler } from "../context.ts";
import { describeError } from "../safe-log.ts";
import { commandPlace, NO_PINGS, planCommand } from "./commands.ts";
import type { MessageComponents } from "./handoff-button.ts";
import { HANDOFF_BUTTON_ID, handoffFromButton } from "./handoff-button.ts";
import { isFreshDiscordTimestamp, verifyDiscordSignature } from "./signature.ts";
import type { ReplyTarget } from "./stream-reply.ts";

const INTERACTION_PING = 1;
const INTERACTION_APPLICATION_COMMAND = 2;
const INTERACTION_MESSAGE_COMPONENT = 3;
const RESPONSE_PONG = 1;
const RESPONSE_MESSAGE = 4;
const RESPONSE_DEFERRED_MESSAGE = 5;
const FLAG_EPHEMERAL = 64;
/** Discord's "Unknown Webhook": the deferred response may not have landed when the first edit goes out. */
const UNKNOWN_WEBHOOK = 10015;

interface RawInteraction {
  type: number;
  id: string;
  application_id: string;
  token: string;
  guild_id?: string;
  channel_id?: string;
  channel?: { id: string; type: number };
  user?: { id: string };
  member?: { user?: { id: string } };
  /** Slash commands carry name and options; message components carry custom_id. */
  data?: { name?: string; custom_id?: string; options?: { name: string; value: unknown }[] };
  /** The message a clicked component is under. */
  message?: { id: string };
}

function json(status: number, body: unknown) {
  return { status, body };
}

export function createDiscordInteractionsHandler(
  context: BotContext,
  options: { publicKey: KeyObject; apiBaseUrl: string; editIntervalMs?: number },
): { handler: BotWebhookHandler; close(): void } {
  const rest = new REST({ api: options.apiBaseUrl });
  const close = () => {
    rest.clearHashSweeper();
    rest.clearHandlerSweeper();
  };
  const handler: BotWebhookHandler = async ({ rawBody, headers }) => {
    const signature = headers.get("x-signature-ed25519");
    const timestamp = headers.get("x-signature-timestamp");
    if (!verifyDiscordSignature(options.publicKey, signature, timestamp, rawBody)) {
      return json(401, { error: { code: "unauthorized", message: "invalid request signature" } });
    }
    if (!isFreshDiscordTimestamp(timestamp)) {
      return json(401, {
        error: { code: "unauthorized", message: "X-Signature-Timestamp is too old or in the future" },
      });
    }
    let interaction: RawInteraction;
    try {
      interaction = JSON.parse(new TextDecoder().decode(rawBody)) as RawInteraction;
    } catch {
      return json(400, { error: { code: "invalid_json", message: "request body is not valid JSON" } });
    }
    if (typeof interaction !== "object" || interaction === null || Array.isArray(interaction)) {
      return json(400, { error: { code: "bad_request", message: "the interaction must be a JSON object" } });
    }
    if (interaction.type === INTERACTION_PING) return json(200, { type: RESPONSE_PONG });
    const userId = interaction.member?.user?.id ?? interaction.user?.id ?? "unknown";
    const channelId = interaction.channel?.id ?? interaction.channel_id ?? "unknown";
    if (
      interaction.type === INTERACTION_MESSAGE_COMPONENT &&
      interaction.data?.custom_id === HANDOFF_BUTTON_ID &&
      interaction.message?.id
    ) {
      const click = {
        messageId: interaction.message.id,
        channelId,
        guildId: interaction.guild_id ?? null,
        inThread:
          commandPlace({
            guildId: interaction.guild_id,
            channelId,
            channelType: interaction.channel?.type,
            userId,
          }).kind === "thread",
        userId,
        // The staff reply is posted like /human's: no reply reference to a webhook message.
        replyToAnswer: false,
      };
      const target = webhookTarget(rest, interaction.application_id, interaction.token);
      setImmediate(() =>
        context.track(
          handoffFromButton(context, click)
            .then((content) => target.edit(0, "@original", content))
            .catch((error) =>
              context.logger.error(`Discord hand-off button failed: ${describeError(error)}`),
            ),
        ),
      );
      return json(200, { type: RESPONSE_DEFERRED_MESSAGE, data: { flags: FLAG_EPHEMERAL } });
    }
    if (interaction.type !== INTERACTION_APPLICATION_COMMAND || !interaction.data?.name) {
      return json(400, {
        error: {
          code: "bad_request",
          message: "only PING, slash commands and the hand-off button are handled",
        },
      });
    }

    const question = interaction.data.options?.find((option) => option.name === "question")?.value;
    const outcome = await planCommand(
      context,
      {
        name: interaction.data.name,
        question: typeof question === "string" ? question : undefined,
        place: commandPlace({
          guildId: interaction.guild_id,
          channelId,
          channelType: interaction.channel?.type,
          userId,
        }),
        userId,
      },
      options,
    );
    if (outcome.kind === "immediate") {
      const flags = outcome.ephemeral ? FLAG_EPHEMERAL : 0;
      return json(200, {
        type: RESPONSE_MESSAGE,
        data: { content: outcome.content, flags, allowed_mentions: { parse: [] } },
      });
    }
    const target = webhookTarget(rest, interaction.application_id, interaction.token);
    // After the response: Discord must have the deferral before the first edit.
    setImmediate(() =>
      context.track(
        outcome
          .run(target)
          .catch((error) => context.logger.error(`Discord /ask failed: ${describeError(error)}`)),
      ),
    );
    return json(200, { type: RESPONSE_DEFERRED_MESSAGE });
  };
  return { handler, close };
}

/** Edits the original response and posts follow-ups through the interaction webhook. */
function webhookTarget(rest: REST, applicationId: string, token: string): ReplyTarget {
  const body = (content: string, components?: MessageComponents) => ({
    content,
    allowed_mentions: { parse: NO_PINGS.parse },
    ...(components ? { components } : {}),
  });
  const editOriginal = async (content: string, components?: MessageComponents) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return (await rest.patch(Routes.webhookMessage(applicationId, token, "@original"), {
          body: body(content, components),
          auth: false,
        })) as { id: string };
      } catch (error) {
        if (!(error instanceof DiscordAPIError && error.code === UNKNOWN_WEBHOOK) || attempt >= 3)
          throw error;
        await sleep(250 * (attempt + 1));
      }
    }
  };
  return {
    post: async (index, content, components) => {
      if (index === 0) return (await editOriginal(content, components)).id;
      const message = (await rest.post(Routes.webhook(applicationId, token), {
        body: body(content, components),
        query: new URLSearchParams({ wait: "true" }),
        auth: false,
      })) as { id: string };
      return message.id;
    },
    edit: async (index, messageId, content, components) => {
      if (index === 0) {
        await editOriginal(content, components);
        return;
      }
      await rest.patch(Routes.webhookMessage(applicationId, token, messageId), {
        body: body(content, components),
        auth: false,
      });
    },
  };
}
