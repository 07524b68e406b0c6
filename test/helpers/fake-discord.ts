/**
 * A fake Discord on 127.0.0.1: the REST routes the bot uses and a JSON gateway that the real
 * discord.js Client connects to (HELLO, heartbeat ACK, IDENTIFY → READY, RESUME → RESUMED).
 * Everything the bot sends is recorded for assertions. Message posts honour `enforce_nonce` like
 * Discord (a repeated nonce returns the message already created), and `faults` make the API answer
 * 429 or 5xx once, before or after it stores the write.
 */
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";

export interface RecordedRequest {
  method: string;
  /** Path without the /api/v10 prefix, e.g. "/channels/1/messages". */
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown> | null;
  at: number;
  /** The status the fake answered. */
  status?: number;
}

/** One scripted failure: the first request matching it gets `status` instead of the normal answer. */
export interface FakeDiscordFault {
  method: string;
  /** Matched against the path without /api/v10. */
  path: RegExp;
  /** Further condition on the request body. Default: any body. */
  when?: (body: Record<string, unknown>) => boolean;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Store the write first, then answer with the failure (a 5xx after Discord committed it). Default: false. */
  afterWrite?: boolean;
}

export interface FakeMessage {
  id: string;
  channelId: string;
  /** Every content the message had, first to last. */
  contents: string[];
  /** The message it replies to, if any. */
  replyTo?: string;
}

export interface FakeDiscord {
  apiBaseUrl: string;
  token: string;
  botUser: { id: string; username: string };
  applicationId: string;
  requests: RecordedRequest[];
  messages: Map<string, FakeMessage>;
  /** Counts of gateway IDENTIFY and RESUME payloads received. */
  gateway: { identifies: number; resumes: number; connections: number };
  /** While true, GET /gateway/bot answers 401 (a revoked token). */
  rejectToken: boolean;
  /** Failures still to happen; each is used once, by the first request it matches. */
  faults: FakeDiscordFault[];
  nextId(): string;
  dispatch(type: string, data: unknown): void;
  /** Sends op 7 RECONNECT: discord.js drops the socket and resumes. */
  forceReconnect(): void;
  /** A guild with text channels and threads (owner ids matter for threads). */
  addGuild(guild: {
    id: string;
    channels: string[];
    threads?: { id: string; parentId: string; ownerId: string }[];
  }): void;
  /** A user's message; returns its id. */
  userMessage(message: {
    channelId: string;
    content: string;
    author?: { id: string; username?: string; bot?: boolean };
    guildId?: string;
    mentionsBot?: boolean;
  }): string;
  react(options: {
    messageId: string;
    channelId: string;
    userId: string;
    emoji: string;
    guildId?: string;
  }): void;
  /** A click on a button under one of the bot's messages (INTERACTION_CREATE, type 3); returns the interaction token. */
  clickButton(options: {
    messageId: string;
    channelId: string;
    userId: string;
    customId: string;
    guildId?: string;
  }): string;
  /** Bot messages posted in a channel, oldest first. */
  botMessages(channelId: string): FakeMessage[];
  waitFor(predicate: (request: RecordedRequest) => boolean, timeoutMs?: number): Promise<RecordedRequest>;
  waitUntil(condition: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  close(): Promise<void>;
}

const DISCORD_EPOCH = 1420070400000n;

function user(id: string, username: string, bot = false) {
  return { id, username, discriminator: "0", global_name: username, avatar: null, bot };
}

export async function startFakeDiscord(options: { token?: string } = {}): Promise<FakeDiscord> {
  let counter = 0n;
  const nextId = () => String(((BigInt(Date.now()) - DISCORD_EPOCH) << 22n) | (counter++ & 0xfffn));
  const token = options.token ?? "fake-discord-token-0123456789";
  const botUser = user(nextId(), "課程助教", true);
  const applicationId = botUser.id;
  const requests: RecordedRequest[] = [];
  const messages = new Map<string, FakeMessage>();
  const originals = new Map<string, string>(); // interaction token -> original message id
  const sockets = new Set<WebSocket>();
  const identified = new Map<WebSocket, { seq: number }>();
  const guilds: unknown[] = [];

  const messageJson = (message: FakeMessage, extra: Record<string, unknown> = {}) => ({
    id: message.id,
    channel_id: message.channelId,
    author: user(botUser.id, botUser.username, true),
    content: message.contents.at(-1),
    timestamp: new Date().toISOString(),
    edited_timestamp: message.contents.length > 1 ? new Date().toISOString() : null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: [],
    embeds: [],
    pinned: false,
    type: message.replyTo ? 19 : 0,
    flags: 0,
    components: [],
    ...extra,
  });

  const byNonce = new Map<string, FakeMessage>();
  const post = (channelId: string, body: Record<string, unknown>) => {
    // Like Discord: with enforce_nonce, a nonce seen before returns that message, creating nothing.
    const nonce = body.enforce_nonce === true && body.nonce !== undefined ? String(body.nonce) : undefined;
    const existing = nonce === undefined ? undefined : byNonce.get(nonce);
    if (existing) return existing;
    const reference = body.message_reference as { message_id?: string } | undefined;
    const message: FakeMessage = { id: nextId(), channelId, contents: [String(body.content ?? "")] };
    if (reference?.message_id) message.replyTo = reference.message_id;
    messages.set(message.id, message);
    if (nonce !== undefined) byNonce.set(nonce, message);
    return message;
  };
  const edit = (messageId: string, body: Record<string, unknown>) => {
    const message = messages.get(messageId);
    if (!message) return undefined;
    if (typeof body.content === "string") message.contents.push(body.content);
    return message;
  };

  const route = (method: string, path: string, body: Record<string, unknown>): [number, unknown] => {
    const at = (verb: string, pattern: RegExp) => (verb === method ? pattern.exec(path) : null);
    if (at("GET", /^\/gateway\/bot$/)) {
      if (fake.rejectToken) return [401, { message: "401: Unauthorized", code: 0 }];
      const limit = { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 };
      return [200, { url: wsUrl, shards: 1, session_start_limit: limit }];
    }
    const commands = at("PUT", /^\/applications\/(\d+)\/commands$/);
    if (commands) {
      const list = body as unknown as object[];
      return [200, list.map((command) => ({ ...command, id: nextId(), application_id: commands[1] }))];
    }
    if (at("POST", /^\/channels\/\d+\/typing$/)) return [204, null];
    const created = at("POST", /^\/channels\/(\d+)\/messages$/);
    if (created) return [200, messageJson(post(created[1]!, body))];
    const edited = at("PATCH", /^\/channels\/\d+\/messages\/(\d+)$/);
    if (edited) {
      const message = edit(edited[1]!, body);
      return message ? [200, messageJson(message)] : [404, { message: "Unknown Message", code: 10008 }];
    }
    if (at("POST", /^\/interactions\/\d+\/[^/]+\/callback$/)) return [204, null];
    const webhookPath = /^\/webhooks\/\d+\/([^/]+)(?:\/messages\/(@original|\d+))?$/.exec(path);
    if (webhookPath) {
      const [, interactionToken, target] = webhookPath;
      const channel = `webhook-${interactionToken}`;
      const webhook = { webhook_id: applicationId, application_id: applicationId };
      if (method === "POST" && !target) return [200, messageJson(post(channel, body), webhook)];
      if (method === "PATCH" && target) {
        let id = target === "@original" ? originals.get(interactionToken!) : target;
        if (!id) {
          // The deferred response becomes a message on its first edit.
          id = post(channel, { content: "" }).id;
          messages.get(id)!.contents = [];
          originals.set(interactionToken!, id);
        }
        const message = edit(id, body);
        return message
          ? [200, messageJson(message, webhook)]
          : [404, { message: "Unknown Message", code: 10008 }];
      }
    }
    return [404, { message: `fake Discord has no route ${method} ${path}`, code: 0 }];
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const url = new URL(request.url ?? "/", "http://127.0.0.1");
      const path = decodeURIComponent(url.pathname).replace(/^\/api\/v\d+/, "");
      const text = Buffer.concat(chunks).toString("utf8");
      const body = text ? (JSON.parse(text) as Record<string, unknown>) : null;
      const method = request.method ?? "GET";
      const recorded: RecordedRequest = { method, path, query: url.searchParams, body, at: Date.now() };
      requests.push(recorded);
      const faultIndex = fake.faults.findIndex(
        (fault) => fault.method === method && fault.path.test(path) && (fault.when?.(body ?? {}) ?? true),
      );
      const fault = faultIndex === -1 ? undefined : fake.faults.splice(faultIndex, 1)[0];
      let [status, payload] = fault && !fault.afterWrite ? [0, null] : route(method, path, body ?? {});
      let headers: Record<string, string> = {};
      if (fault) {
        status = fault.status;
        payload = fault.body ?? { message: `fake Discord failure ${fault.status}`, code: 0 };
        headers = fault.headers ?? {};
      }
      recorded.status = status;
      if (status === 204) {
        response.writeHead(204).end();
        return;
      }
      response
        .writeHead(status, { "content-type": "application/json", ...headers })
        .end(JSON.stringify(payload));
    });
  });
  const wss = new WebSocketServer({ server });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const wsUrl = `ws://127.0.0.1:${port}`;

  const send = (socket: WebSocket, payload: object) => socket.send(JSON.stringify(payload));
  const dispatchTo = (socket: WebSocket, type: string, data: unknown) => {
    const session = identified.get(socket);
    if (!session) return;
    session.seq++;
    send(socket, { op: 0, t: type, s: session.seq, d: data });
  };

  wss.on("connection", (socket) => {
    sockets.add(socket);
    fake.gateway.connections++;
    socket.on("close", () => {
      sockets.delete(socket);
      identified.delete(socket);
    });
    socket.on("message", (raw) => {
      const payload = JSON.parse(String(raw)) as { op: number; d: Record<string, unknown> | null };
      if (payload.op === 1) send(socket, { op: 11, d: null });
      if (payload.op === 2) {
        fake.gateway.identifies++;
        if (payload.d?.token !== token) {
          socket.close(4004, "Authentication failed.");
          return;
        }
        identified.set(socket, { seq: 0 });
        dispatchTo(socket, "READY", {
          v: 10,
          user: botUser,
          guilds: [],
          session_id: `session-${nextId()}`,
          resume_gateway_url: wsUrl,
          shard: [0, 1],
          application: { id: applicationId, flags: 0 },
        });
        for (const guild of guilds) dispatchTo(socket, "GUILD_CREATE", guild);
      }
      if (payload.op === 6) {
        fake.gateway.resumes++;
        identified.set(socket, { seq: Number(payload.d?.seq ?? 0) });
        dispatchTo(socket, "RESUMED", {});
      }
    });
    send(socket, { op: 10, d: { heartbeat_interval: 41_250 } });
  });

  const fake: FakeDiscord = {
    apiBaseUrl: `http://127.0.0.1:${port}/api`,
    token,
    botUser,
    applicationId,
    requests,
    messages,
    gateway: { identifies: 0, resumes: 0, connections: 0 },
    rejectToken: false,
    faults: [],
    nextId,
    dispatch(type, data) {
      for (const socket of identified.keys()) dispatchTo(socket, type, data);
    },
    forceReconnect() {
      for (const socket of identified.keys()) send(socket, { op: 7, d: null });
    },
    addGuild({ id, channels, threads = [] }) {
      const guild = {
        id,
        name: "課程伺服器",
        icon: null,
        owner_id: "1",
        unavailable: false,
        member_count: 3,
        roles: [],
        emojis: [],
        stickers: [],
        features: [],
        members: [],
        voice_states: [],
        presences: [],
        stage_instances: [],
        guild_scheduled_events: [],
        channels: channels.map((channelId, position) => ({
          id: channelId,
          type: 0,
          guild_id: id,
          name: `channel-${position}`,
          position,
          permission_overwrites: [],
        })),
        threads: threads.map((thread) => ({
          id: thread.id,
          type: 11,
          guild_id: id,
          parent_id: thread.parentId,
          owner_id: thread.ownerId,
          name: `thread-${thread.id}`,
          thread_metadata: {
            archived: false,
            auto_archive_duration: 1440,
            archive_timestamp: new Date().toISOString(),
            locked: false,
          },
          message_count: 0,
          member_count: 1,
        })),
      };
      guilds.push(guild);
      fake.dispatch("GUILD_CREATE", guild);
    },
    userMessage({ channelId, content, author = { id: "900000000000000001" }, guildId, mentionsBot }) {
      const id = nextId();
      const data: Record<string, unknown> = {
        id,
        channel_id: channelId,
        author: user(author.id, author.username ?? "student", author.bot ?? false),
        content,
        timestamp: new Date().toISOString(),
        edited_timestamp: null,
        tts: false,
        mention_everyone: false,
        mentions: mentionsBot ? [botUser] : [],
        mention_roles: [],
        attachments: [],
        embeds: [],
        pinned: false,
        type: 0,
        flags: 0,
        components: [],
      };
      // Without channel_type discord.js silently drops DMs; guild messages need their guild.
      if (guildId) {
        data.guild_id = guildId;
        data.member = { roles: [], joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 };
      } else {
        data.channel_type = 1;
      }
      fake.dispatch("MESSAGE_CREATE", data);
      return id;
    },
    react({ messageId, channelId, userId, emoji, guildId }) {
      fake.dispatch("MESSAGE_REACTION_ADD", {
        user_id: userId,
        channel_id: channelId,
        message_id: messageId,
        ...(guildId ? { guild_id: guildId } : {}),
        emoji: { id: null, name: emoji },
        burst: false,
        type: 0,
      });
    },
    clickButton({ messageId, channelId, userId, customId, guildId }) {
      const interactionToken = `interaction-token-${nextId()}`;
      const message = messages.get(messageId);
      const clicker = user(userId, "student");
      fake.dispatch("INTERACTION_CREATE", {
        id: nextId(),
        application_id: applicationId,
        type: 3,
        token: interactionToken,
        version: 1,
        channel_id: channelId,
        channel: { id: channelId, type: guildId ? 0 : 1 },
        ...(guildId
          ? {
              guild_id: guildId,
              member: {
                user: clicker,
                roles: [],
                joined_at: new Date().toISOString(),
                deaf: false,
                mute: false,
              },
            }
          : { user: clicker }),
        message: message
          ? messageJson(message)
          : { ...messageJson({ id: messageId, channelId, contents: [""] }) },
        data: { custom_id: customId, component_type: 2 },
        locale: "zh-TW",
        app_permissions: "0",
        entitlements: [],
        authorizing_integration_owners: {},
        attachment_size_limit: 10_000_000,
      });
      return interactionToken;
    },
    botMessages(channelId) {
      return [...messages.values()].filter((message) => message.channelId === channelId);
    },
    async waitFor(predicate, timeoutMs = 15_000) {
      await fake.waitUntil(() => requests.some(predicate), timeoutMs, "a matching request");
      return requests.find(predicate)!;
    },
    async waitUntil(condition, timeoutMs = 15_000, what = "condition") {
      const deadline = Date.now() + timeoutMs;
      while (!condition()) {
        if (Date.now() > deadline) {
          const recent = requests.slice(-8).map((request) => `${request.method} ${request.path}`);
          throw new Error(`fake Discord: timed out waiting for ${what}; last requests: ${recent.join(", ")}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async close() {
      for (const socket of sockets) socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

/** An application's Ed25519 key pair: the private key signs interactions, the hex public key is DISCORD_PUBLIC_KEY. */
export function discordKeyPair(): { privateKey: KeyObject; publicKeyHex: string } {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const publicKeyHex = publicKey.export({ format: "der", type: "spki" }).subarray(-32).toString("hex");
  return { privateKey, publicKeyHex };
}
