/**
 * Access to /admin and /api/admin: a Bearer admin token, or a session cookie from logging in.
 *
 * - Log in with the admin token (POST /admin/login) or a one-time link (GET /admin/login?token=<code>,
 *   printed at start); the session cookie is HttpOnly, SameSite=Strict, and Secure when the request
 *   came over https (directly or per X-Forwarded-Proto): browsers drop Secure cookies on plain
 *   http://127.0.0.1, so local use without TLS still works.
 * - Cross-site requests: besides SameSite=Strict, every state-changing request made with the cookie
 *   must be same-origin (Sec-Fetch-Site, else Origin/Referer host = Host), or it gets 403.
 * - Without credentials, page GETs redirect to the login page; everything else answers 401.
 * - Brute force: wrong tokens (form, one-time link or Bearer) are counted per client address; after
 *   5 in a row, each address gets one more try a minute (429 with Retry-After until then).
 */
import type { Context, Hono, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AdminContext } from "../../admin/context.ts";
import { renderPage } from "../../admin/pages/layout.tsx";
import { LoginPage } from "../../admin/pages/login.tsx";
import { RateLimiter } from "../../rate-limiter.ts";
import { bearerToken, tokensMatch } from "../auth.ts";
import { clientAddressOf, retryAfterSeconds } from "../client-limits.ts";

export const SESSION_COOKIE = "ta_admin";
const SAFE_METHOD = /^(GET|HEAD|OPTIONS)$/;
const PUBLIC_PATHS = /^\/admin\/(login|assets\/.*)$/;

/** Page CSP: everything from this origin, no inline script, no framing. */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

export function isHttpsRequest(c: Context): boolean {
  if (new URL(c.req.url).protocol === "https:") return true;
  return c.req.header("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase() === "https";
}

/** True when a request comes from a page of this same site (see the file comment). */
export function isSameOriginRequest(headers: Headers, requestUrl: string): boolean {
  const site = headers.get("sec-fetch-site");
  if (site) return site === "same-origin";
  const expectedHost = headers.get("x-forwarded-host") ?? headers.get("host") ?? new URL(requestUrl).host;
  const origin = headers.get("origin");
  const source = origin && origin !== "null" ? origin : headers.get("referer");
  if (!source) return false;
  try {
    return new URL(source).host === expectedHost;
  } catch {
    return false;
  }
}

/** Only paths inside the admin pages (no open redirect). */
export function safeNextPath(next: string | undefined): string {
  if (!next || !/^\/admin(\/|\?|$)/.test(next) || next.includes("\\") || next.startsWith("/admin/login")) {
    return "/admin";
  }
  return next;
}

function unauthorized(c: Context, isApi: boolean, message = "admin token missing or wrong") {
  c.header("WWW-Authenticate", 'Bearer realm="admin"');
  if (isApi) return c.json({ error: { code: "unauthorized", message } }, 401);
  return renderPage(c, LoginPage({ message: "Log in to continue." }), 401);
}

function forbiddenCrossSite(c: Context, isApi: boolean) {
  const message = "cross-site request refused: submit the form from the admin page itself";
  if (isApi) return c.json({ error: { code: "forbidden", message } }, 403);
  return renderPage(c, LoginPage({ message }), 403);
}

/** Set before the handler (for early refusals) and again after it (handlers may build their own headers). */
function securityHeaders(c: Context): void {
  c.header("X-Content-Type-Options", "nosniff");
  c.header("X-Frame-Options", "DENY");
  c.header("Referrer-Policy", "same-origin");
  c.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
}

/** Failed admin logins per client address. */
export interface LoginThrottle {
  /** A 429 response when this address has no tries left; undefined when it may try. */
  refusal(c: Context, isApi: boolean): Promise<Response | undefined>;
  /** Counts a wrong token from this address. */
  failed(c: Context): Promise<void>;
}

export interface LoginThrottleOptions {
  /** Wrong tokens an address may send in a row. Default 5. */
  burst?: number;
  /** Tries an address regains per minute. Default 1. */
  perMinute?: number;
  /** Verifies the client address the edge Worker forwards. Default: none (socket address only). */
  relaySecret?: string;
  now?: () => number;
}

export function createLoginThrottle(options: LoginThrottleOptions = {}): LoginThrottle {
  const failures = new RateLimiter({
    burst: options.burst ?? 5,
    perMinute: options.perMinute ?? 1,
    now: options.now,
  });
  const keyOf = (c: Context) => clientAddressOf(c, options.relaySecret);
  return {
    async refusal(c, isApi) {
      const decision = failures.peek(await keyOf(c));
      if (decision.allowed) return undefined;
      const seconds = retryAfterSeconds(decision);
      c.header("Retry-After", String(seconds));
      const message = `too many wrong admin tokens from this address: try again in ${seconds} s`;
      if (isApi) return c.json({ error: { code: "rate_limited", message } }, 429);
      return renderPage(c, LoginPage({ message }), 429);
    },
    async failed(c) {
      failures.take(await keyOf(c));
    },
  };
}

export function adminAccess(context: AdminContext, throttle: LoginThrottle): MiddlewareHandler {
  return async (c, next) => {
    securityHeaders(c);
    const isApi = c.req.path.startsWith("/api/");
    const authorization = c.req.header("authorization");
    let allowed = PUBLIC_PATHS.test(c.req.path);
    if (!allowed && authorization !== undefined) {
      const refused = await throttle.refusal(c, isApi);
      if (refused) return refused;
      const token = bearerToken(authorization);
      if (!token || !tokensMatch(token, context.adminToken)) {
        await throttle.failed(c);
        return unauthorized(c, isApi);
      }
      allowed = true;
    }
    if (!allowed && context.sessions.verify(getCookie(c, SESSION_COOKIE))) {
      if (!SAFE_METHOD.test(c.req.method) && !isSameOriginRequest(c.req.raw.headers, c.req.url)) {
        return forbiddenCrossSite(c, isApi);
      }
      allowed = true;
    }
    if (!allowed) {
      if (!isApi && (c.req.method === "GET" || c.req.method === "HEAD")) {
        const url = new URL(c.req.url);
        return c.redirect(`/admin/login?next=${encodeURIComponent(url.pathname + url.search)}`, 302);
      }
      return unauthorized(c, isApi);
    }
    await next();
    securityHeaders(c);
    // Pages and API answers hold student questions: never cached (the static assets say otherwise).
    if (!c.res.headers.has("Cache-Control")) c.header("Cache-Control", "no-store");
  };
}

function startSession(c: Context, context: AdminContext, next: string | undefined) {
  const { value } = context.sessions.create();
  setCookie(c, SESSION_COOKIE, value, {
    httpOnly: true,
    sameSite: "Strict",
    secure: isHttpsRequest(c),
    path: "/",
    maxAge: Math.floor(context.sessions.lifetimeMs / 1000),
  });
  return c.redirect(safeNextPath(next), 303);
}

/** Access middleware for /admin/* and /api/admin/*, plus login and logout. */
export function registerAdminAccess(
  app: Hono,
  context: AdminContext,
  throttle: LoginThrottle = createLoginThrottle(),
): void {
  const access = adminAccess(context, throttle);
  app.use("/admin/*", access);
  app.use("/api/admin/*", access);

  app.get("/admin/login", async (c) => {
    const next = c.req.query("next");
    const code = c.req.query("token");
    if (code !== undefined) {
      const refused = await throttle.refusal(c, false);
      if (refused) return refused;
      if (context.sessions.consumeLoginCode(code)) return startSession(c, context, next);
      await throttle.failed(c);
      return renderPage(
        c,
        LoginPage({ message: "That login link was already used or has expired.", next }),
        401,
      );
    }
    if (context.sessions.verify(getCookie(c, SESSION_COOKIE))) return c.redirect(safeNextPath(next), 302);
    return renderPage(c, LoginPage({ next }));
  });

  app.post(
    "/admin/login",
    bodyLimit({
      maxSize: 16 * 1024,
      onError: (c) => renderPage(c, LoginPage({ message: "That login form was too large." }), 413),
    }),
    async (c) => {
      if (!isSameOriginRequest(c.req.raw.headers, c.req.url)) return forbiddenCrossSite(c, false);
      let body: Record<string, unknown>;
      try {
        body = await c.req.parseBody();
      } catch {
        return renderPage(c, LoginPage({ message: "The login form could not be read: send it again." }), 400);
      }
      const token = typeof body["token"] === "string" ? body["token"].trim() : "";
      const next = typeof body["next"] === "string" ? body["next"] : undefined;
      const refused = await throttle.refusal(c, false);
      if (refused) return refused;
      if (!token || !tokensMatch(token, context.adminToken)) {
        await throttle.failed(c);
        return renderPage(c, LoginPage({ message: "That token is not right.", next }), 401);
      }
      return startSession(c, context, next);
    },
  );

  app.post("/admin/logout", (c) => {
    const session = context.sessions.verify(getCookie(c, SESSION_COOKIE));
    if (session) context.sessions.revoke(session);
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure: isHttpsRequest(c) });
    return c.redirect("/admin/login", 303);
  });
}
