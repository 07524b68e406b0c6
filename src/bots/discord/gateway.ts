/**
 * The gateway bot: one discord.js Client at a time. A login that fails (no network, a revoked
 * token) or a session Discord will not resume is logged without the secret and retried with
 * backoff on a fresh client; discord.js itself resumes ordinary disconnects. Rate limits and the
 * answer index live in the BotContext, so none of this resets them.
 */
import {
  type ButtonInteraction,
  ChannelType,
  type ChatInputCommandInteraction,
  Client,
  Events,
  GatewayIntentBits,
  MessageFlags,
  Partials,
  REST,
} from "discord.js";
import type { Logger } from "../../log.ts";
import { type BackoffOptions, backoffDelay, describeDelay, retryWithBackoff, sleep } from "../backoff.ts";
import type { BotContext } from "../context.ts";
import { REPLIES } from "../replies.ts";
import { describeError } from "../safe-log.ts";
import { commandPlace, NO_PINGS, planCommand, registerSlashCommands } from "./commands.ts";
import { HANDOFF_BUTTON_ID, handoffFromButton } from "./handoff-button.ts";
import { handleDiscordMessage, handleDiscordReaction, type RawReaction } from "./messages.ts";
import type { ReplyTarget } from "./stream-reply.ts";

export interface DiscordGatewayOptions {
  token: string;
  /** Registers /ask, /reset and /human at start when set. */
  applicationId?: string;
  /** REST base, e.g. "https://discord.com/api". */
  apiBaseUrl: string;
  editIntervalMs?: number;
  retry?: BackoffOptions;
  /** Longest wait for a login to reach READY. Default: 60,000 ms. */
  loginTimeoutMs?: number;
}

export interface DiscordGateway {
  stop(): Promise<void>;
}

function createClient(apiBaseUrl: string): Client {
  return new Client({
    intents: [
      GatewayIntentBits.Guilds,
      GatewayIntentBits.GuildMessages,
      GatewayIntentBits.GuildMessageReactions,
      GatewayIntentBits.DirectMessages,
      GatewayIntentBits.DirectMessageReactions,
      // Privileged: needed to read messages in the bot's threads that do not mention it.
      GatewayIntentBits.MessageContent,
    ],
    // DM channels arrive uncached (reactions are read from raw events, see messages.ts).
    partials: [Partials.Channel],
    rest: { api: apiBaseUrl },
    allowedMentions: NO_PINGS,
  });
}

export function startDiscordGateway(context: BotContext, options: DiscordGatewayOptions): DiscordGateway {
  const { logger } = context;
  const stopping = new AbortController();
  let client: Client | undefined;

  const wire = (current: Client) => {
    const run = (what: string, work: () => Promise<void>) =>
      context.track(work().catch((error) => logger.error(`Discord ${what} failed: ${describeError(error)}`)));
    current.on(Events.Error, (error) => logger.warn(`Discord client error: ${describeError(error)}`));
    current.on(Events.ShardError, (error) => logger.warn(`Discord gateway error: ${describeError(error)}`));
    current.on(Events.MessageCreate, (message) => {
      const botUserId = current.user?.id;
      if (botUserId)
        run("reply", () =>
          handleDiscordMessage(context, message, { botUserId, editIntervalMs: options.editIntervalMs }),
        );
    });
    current.on(Events.Raw, (packet: { t?: string; d?: unknown }) => {
      const botUserId = current.user?.id;
      if (packet.t !== "MESSAGE_REACTION_ADD" || !botUserId) return;
      run("reaction", () =>
        handleDiscordReaction(context, packet.d as RawReaction, botUserId, async (channelId, messageId) => {
          const channel = await current.channels.fetch(channelId);
          if (channel?.isSendable())
            await channel.send({
              content: REPLIES.handoffOffer,
              reply: { messageReference: messageId, failIfNotExists: false },
              allowedMentions: NO_PINGS,
            });
        }),
      );
    });
    current.on(Events.InteractionCreate, (interaction) => {
      if (interaction.isChatInputCommand())
        run("command", () => handleCommand(context, interaction, { editIntervalMs: options.editIntervalMs }));
      else if (interaction.isButton() && interaction.customId === HANDOFF_BUTTON_ID)
        run("hand-off button", () => handleHandoffButton(context, interaction));
    });
  };

  /** Logs in and resolves, once connected, with a promise of why the connection was lost for good. */
  const connect = async (current: Client): Promise<{ lost: Promise<string>; release(): void }> => {
    let onAbort = () => {};
    const lost = new Promise<string>((resolve) => {
      current.once(Events.ShardDisconnect, (event) => resolve(closeReason(event.code)));
      current.once(Events.Invalidated, () => resolve("session invalidated"));
      onAbort = () => resolve("stopping");
      stopping.signal.addEventListener("abort", onAbort, { once: true });
    });
    const release = () => stopping.signal.removeEventListener("abort", onAbort);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const failed = new Promise<never>((_, reject) => {
      const timeoutMs = options.loginTimeoutMs ?? 60_000;
      timer = setTimeout(() => reject(new Error("no READY from the gateway in time")), timeoutMs);
      void lost.then((reason) => reject(new Error(reason)));
    });
    try {
      await Promise.race([current.login(options.token), failed]);
      return { lost, release };
    } catch (error) {
      release();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };

  const loop = (async () => {
    for (let attempt = 0; !stopping.signal.aborted; ) {
      const current = createClient(options.apiBaseUrl);
      client = current;
      wire(current);
      try {
        const connection = await connect(current);
        logger.info(`Discord bot connected as ${current.user?.tag ?? "unknown user"}`);
        attempt = 0;
        const reason = await connection.lost;
        connection.release();
        if (!stopping.signal.aborted) logger.warn(`Discord connection lost (${reason}); reconnecting`);
      } catch (error) {
        const delay = backoffDelay(attempt++, options.retry);
        if (!stopping.signal.aborted) {
          logger.error(`Discord login failed: ${describeError(error)}; retrying in ${describeDelay(delay)}`);
        }
        await current.destroy().catch(() => {});
        await sleep(delay, stopping.signal);
        continue;
      }
      await current.destroy().catch(() => {});
    }
  })();

  // Registered once per start, apart from the gateway: a failure here never blocks answering.
  const registration = options.applicationId
    ? registerOnce(options.token, options.applicationId, options.apiBaseUrl, {
        signal: stopping.signal,
        backoff: options.retry,
        logger,
      })
    : Promise.resolve();

  return {
    async stop() {
      stopping.abort();
      await client?.destroy().catch(() => {});
      await Promise.all([loop, registration]);
    },
  };
}

const CLOSE_REASONS: Record<number, string> = {
  4004: "authentication failed: the token was revoked or is wrong",
  4013: "invalid intents",
  4014: "disallowed intents: enable Message Content in the Developer Portal (Bot > Privileged Gateway Intents)",
};

function closeReason(code: number): string {
  return `gateway closed with code ${code}${CLOSE_REASONS[code] ? ` (${CLOSE_REASONS[code]})` : ""}`;
}

async function registerOnce(
  token: string,
  applicationId: string,
  apiBaseUrl: string,
  options: { signal: AbortSignal; backoff?: BackoffOptions; logger: Logger },
): Promise<void> {
  const rest = new REST({ api: apiBaseUrl }).setToken(token);
  const done = await retryWithBackoff(() => registerSlashCommands(rest, applicationId).then(() => true), {
    signal: options.signal,
    backoff: options.backoff,
    onFailure: (error, delayMs) =>
      options.logger.warn(
        `Discord commands not registered: ${describeError(error)}; retrying in ${describeDelay(delayMs)}`,
      ),
  });
  rest.clearHashSweeper();
  rest.clearHandlerSweeper();
  if (done) options.logger.info("Discord slash commands /ask, /reset and /human registered");
}

async function handleCommand(
  context: BotContext,
  interaction: ChatInputCommandInteraction,
  options: { editIntervalMs?: number },
): Promise<void> {
  const place = commandPlace({
    guildId: interaction.guildId,
    channelId: interaction.channelId,
    channelType: interaction.channel?.type ?? (interaction.guildId ? ChannelType.GuildText : ChannelType.DM),
    userId: interaction.user.id,
  });
  const question = interaction.options.getString("question") ?? undefined;
  const outcome = await planCommand(
    context,
    { name: interaction.commandName, question, place, userId: interaction.user.id },
    options,
  );
  if (outcome.kind === "immediate") {
    await interaction.reply({
      content: outcome.content,
      flags: outcome.ephemeral ? MessageFlags.Ephemeral : undefined,
      allowedMentions: NO_PINGS,
    });
    return;
  }
  await interaction.deferReply();
  const target: ReplyTarget = {
    post: async (index, content, components) =>
      (index === 0
        ? await interaction.editReply({ content, components, allowedMentions: NO_PINGS })
        : await interaction.followUp({ content, components, allowedMentions: NO_PINGS })
      ).id,
    edit: async (index, messageId, content, components) => {
      await interaction.editReply({
        message: index === 0 ? "@original" : messageId,
        content,
        components,
        allowedMentions: NO_PINGS,
      });
    },
  };
  await outcome.run(target);
}

async function handleHandoffButton(context: BotContext, interaction: ButtonInteraction): Promise<void> {
  // Acknowledged at once: the stores may take longer than Discord's 3 s to answer. Only the student sees it.
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const content = await handoffFromButton(context, {
    messageId: interaction.message.id,
    channelId: interaction.channelId,
    guildId: interaction.guildId,
    inThread: interaction.channel?.isThread() ?? false,
    userId: interaction.user.id,
    replyToAnswer: true,
  });
  await interaction.editReply({ content, allowedMentions: NO_PINGS });
}
