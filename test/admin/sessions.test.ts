import { expect, test } from "vitest";
import { AdminSessions } from "../../src/admin/sessions.ts";

test("a session value verifies until it expires", () => {
  let now = 1_000_000;
  const sessions = new AdminSessions("token-a", { lifetimeMs: 60_000, now: () => now });
  const { value, session } = sessions.create();
  expect(sessions.verify(value)).toEqual(session);
  now += 59_999;
  expect(sessions.verify(value)).toBeDefined();
  now += 1;
  expect(sessions.verify(value)).toBeUndefined();
});

test("forged, tampered or foreign-token values are refused", () => {
  const sessions = new AdminSessions("token-a");
  const { value } = sessions.create();
  const [id, expires, signature] = value.split(".") as [string, string, string];
  expect(sessions.verify(`${id}.${Number(expires) + 1000}.${signature}`)).toBeUndefined();
  expect(sessions.verify(`${id}.${expires}.${"A".repeat(43)}`)).toBeUndefined();
  expect(sessions.verify(undefined)).toBeUndefined();
  expect(sessions.verify("garbage")).toBeUndefined();
  // Survives a restart with the same token; changing the token signs everyone out.
  expect(new AdminSessions("token-a").verify(value)).toBeDefined();
  expect(new AdminSessions("token-b").verify(value)).toBeUndefined();
});

test("logging out revokes the session", () => {
  const sessions = new AdminSessions("token-a");
  const { value, session } = sessions.create();
  sessions.revoke(session);
  expect(sessions.verify(value)).toBeUndefined();
  expect(sessions.verify(sessions.create().value)).toBeDefined();
});

test("a login code works once and expires", () => {
  let now = 0;
  const sessions = new AdminSessions("token-a", { loginCodeLifetimeMs: 1000, now: () => now });
  const code = sessions.issueLoginCode();
  expect(code).toMatch(/^[A-Za-z0-9_-]{32}$/);
  expect(sessions.consumeLoginCode(code)).toBe(true);
  expect(sessions.consumeLoginCode(code)).toBe(false);
  const late = sessions.issueLoginCode();
  now = 1000;
  expect(sessions.consumeLoginCode(late)).toBe(false);
  expect(sessions.consumeLoginCode("made-up")).toBe(false);
});
