/**
 * POST /webhooks/discord. PING is answered at the edge. Every other verified interaction is
 * relayed to the origin, whose own answer (a deferred response for /ask, or an immediate message
 * such as a rate-limit notice) is passed back when it arrives within DISCORD_ORIGIN_WAIT_MS; past
 * that the edge answers with a deferred response itself, inside Discord's 3-second limit, and the
 * relay goes on under waitUntil. An origin message that arrives too late, or an origin failure,
 * then replaces the deferred "thinking…" message through the interaction webhook.
 */
import type { Context } from "hono";
import {
  deferredResponseFor,
  INTERACTION,
  ORIGIN_UNAVAILABLE_TEXT,
  RESPONSE,
  unavailableResponseFor,
  verifyDiscordSignature,
} from "./discord.ts";
import { DEFAULT_DISCORD_API_BASE, discordOriginWaitMs, type EdgeEnv, errorBody, originBase } from "./env.ts";
import { relayToOrigin } from "./forward.ts";

interface Interaction {
  type: number;
  application_id?: string;
  token?: string;
}

interface InteractionResponse {
  type: number;
  data?: Record<string, unknown>;
}

type OriginAnswer = { ok: true; body: InteractionResponse } | { ok: false; reason: string };

async function readOriginAnswer(response: Response): Promise<OriginAnswer> {
  const text = await response.text();
  if (response.status !== 200)
    return { ok: false, reason: `origin answered ${response.status}: ${text.slice(0, 300)}` };
  try {
    const body = JSON.parse(text) as InteractionResponse | null;
    if (body && typeof body.type === "number") return { ok: true, body };
  } catch {
    // Falls through to the failure below.
  }
  return { ok: false, reason: `origin answered 200 without an interaction response: ${text.slice(0, 300)}` };
}

export async function handleDiscordInteraction(c: Context<{ Bindings: EdgeEnv }>): Promise<Response> {
  const publicKey = c.env.DISCORD_PUBLIC_KEY;
  if (!publicKey) return c.json(errorBody("not_found", "Discord is not configured on this edge"), 404);
  const rawBody = new Uint8Array(await c.req.arrayBuffer());
  const signed = await verifyDiscordSignature(
    publicKey,
    c.req.header("x-signature-ed25519"),
    c.req.header("x-signature-timestamp"),
    rawBody,
  );
  if (!signed) return c.json(errorBody("unauthorized", "invalid request signature"), 401);
  let interaction: Interaction;
  try {
    interaction = JSON.parse(new TextDecoder().decode(rawBody)) as Interaction;
  } catch {
    return c.json(errorBody("invalid_json", "request body is not valid JSON"), 400);
  }
  if (typeof interaction?.type !== "number")
    return c.json(errorBody("bad_request", "no interaction type"), 400);
  if (interaction.type === INTERACTION.ping) return c.json({ type: RESPONSE.pong });

  const target = { originUrl: originBase(c.env)!, relaySecret: c.env.RELAY_SECRET! };
  const answer: Promise<OriginAnswer> = relayToOrigin(
    target,
    "discord",
    rawBody,
    new Headers(c.req.raw.headers),
  )
    .then(readOriginAnswer)
    .catch((error: unknown) => ({ ok: false, reason: `origin unreachable: ${String(error)}` }));

  let stopWaiting = () => {};
  const early = await Promise.race([
    answer,
    new Promise<undefined>((resolve) => {
      const timer = setTimeout(resolve, discordOriginWaitMs(c.env));
      stopWaiting = () => clearTimeout(timer);
    }),
  ]);
  stopWaiting();
  if (early?.ok) return c.json(early.body);
  if (early) {
    console.error(`edge: Discord interaction not handled: ${early.reason}`);
    return c.json(unavailableResponseFor(interaction.type));
  }
  c.executionCtx.waitUntil(answer.then((late) => finishDeferred(c.env, interaction, late)));
  return c.json(deferredResponseFor(interaction.type));
}

/** After the edge deferred: an origin message or failure replaces the deferred message. */
async function finishDeferred(env: EdgeEnv, interaction: Interaction, late: OriginAnswer): Promise<void> {
  if (!late.ok) console.error(`edge: Discord interaction not handled: ${late.reason}`);
  const deferredMessage =
    interaction.type === INTERACTION.command || interaction.type === INTERACTION.modalSubmit;
  if (!deferredMessage || !interaction.application_id || !interaction.token) return;
  let content: Record<string, unknown>;
  if (!late.ok) content = { content: ORIGIN_UNAVAILABLE_TEXT, allowed_mentions: { parse: [] } };
  else if (late.body.type === RESPONSE.message && late.body.data) {
    // A deferred message's visibility is fixed; flags cannot change in an edit.
    const { flags: _flags, ...data } = late.body.data;
    content = data;
  } else return;
  const base = (env.DISCORD_API_BASE?.trim() || DEFAULT_DISCORD_API_BASE).replace(/\/+$/, "");
  const url = `${base}/webhooks/${interaction.application_id}/${interaction.token}/messages/@original`;
  try {
    const response = await fetch(url, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(content),
    });
    if (!response.ok) console.error(`edge: Discord edit failed: ${response.status} ${await response.text()}`);
    else await response.body?.cancel();
  } catch (error) {
    console.error(`edge: Discord edit failed: ${String(error)}`);
  }
}
