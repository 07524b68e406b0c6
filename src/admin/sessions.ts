/**
 * Admin sessions as signed cookie values: `id.expiresAtMs.signature`, the signature an HMAC-SHA256
 * under a key derived from the admin token. Nothing is stored per session, so sessions survive a
 * restart when ADMIN_TOKEN is set, and changing the token signs everyone out. Logging out revokes the
 * session id in memory until it would have expired anyway (a restart forgets revocations: keep
 * lifetimes short). One-time login codes (for the console link) live in memory only.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export interface AdminSessionOptions {
  /** How long a session lasts after logging in, in ms. Default 12 hours. */
  lifetimeMs?: number;
  /** How long a one-time login link stays valid, in ms. Default 15 minutes. */
  loginCodeLifetimeMs?: number;
  now?: () => number;
}

export interface AdminSession {
  id: string;
  expiresAt: number;
}

const HOUR_MS = 3_600_000;

export class AdminSessions {
  readonly lifetimeMs: number;
  private readonly loginCodeLifetimeMs: number;
  private readonly now: () => number;
  private readonly key: Buffer;
  private readonly revoked = new Map<string, number>();
  private readonly loginCodes = new Map<string, number>();

  constructor(adminToken: string, options: AdminSessionOptions = {}) {
    this.lifetimeMs = options.lifetimeMs ?? 12 * HOUR_MS;
    this.loginCodeLifetimeMs = options.loginCodeLifetimeMs ?? 15 * 60_000;
    this.now = options.now ?? Date.now;
    this.key = createHmac("sha256", adminToken).update("course-ta admin session v1").digest();
  }

  private sign(payload: string): string {
    return createHmac("sha256", this.key).update(payload).digest("base64url");
  }

  /** A new signed session value for the cookie. */
  create(): { value: string; session: AdminSession } {
    const session = { id: randomBytes(16).toString("base64url"), expiresAt: this.now() + this.lifetimeMs };
    const payload = `${session.id}.${session.expiresAt}`;
    return { value: `${payload}.${this.sign(payload)}`, session };
  }

  /** The session a cookie value stands for, or undefined when it is forged, expired or revoked. */
  verify(value: string | undefined): AdminSession | undefined {
    const match = /^([A-Za-z0-9_-]{16,64})\.(\d{1,16})\.([A-Za-z0-9_-]{43})$/.exec(value ?? "");
    if (!match) return undefined;
    const [, id, expires, signature] = match as unknown as [string, string, string, string];
    const expected = Buffer.from(this.sign(`${id}.${expires}`));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    const expiresAt = Number(expires);
    if (expiresAt <= this.now() || this.revoked.has(id)) return undefined;
    return { id, expiresAt };
  }

  revoke(session: AdminSession): void {
    this.forgetExpired();
    this.revoked.set(session.id, session.expiresAt);
  }

  /** A random code for a one-time login link (`/admin/login?token=<code>`). */
  issueLoginCode(): string {
    this.forgetExpired();
    const code = randomBytes(24).toString("base64url");
    this.loginCodes.set(code, this.now() + this.loginCodeLifetimeMs);
    return code;
  }

  /** True once per issued, unexpired code. */
  consumeLoginCode(code: string): boolean {
    this.forgetExpired();
    const known = this.loginCodes.has(code);
    this.loginCodes.delete(code);
    return known;
  }

  private forgetExpired(): void {
    const now = this.now();
    for (const [id, expiresAt] of this.revoked) if (expiresAt <= now) this.revoked.delete(id);
    for (const [code, expiresAt] of this.loginCodes) if (expiresAt <= now) this.loginCodes.delete(code);
  }
}
