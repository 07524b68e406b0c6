import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";

/** Constant-time comparison (hashing first makes lengths equal and leaks nothing about them). */
export function tokensMatch(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b) && expected.length > 0;
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? "");
  return match?.[1]?.trim();
}

/** Requires `Authorization: Bearer <ADMIN_TOKEN>`. */
export function adminAuth(adminToken: string): MiddlewareHandler {
  return async (c, next) => {
    const token = bearerToken(c.req.header("authorization"));
    if (!token || !tokensMatch(token, adminToken)) {
      c.header("WWW-Authenticate", 'Bearer realm="admin"');
      return c.json({ error: { code: "unauthorized", message: "admin token missing or wrong" } }, 401);
    }
    await next();
  };
}
