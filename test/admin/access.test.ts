/** Access control on the real service: no token, wrong token, Bearer, login (form and one-time link), CSRF. */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestService, type TestService } from "../helpers/service.ts";

let ta: TestService;

beforeAll(async () => {
  ta = await startTestService();
});
afterAll(async () => {
  await ta?.close();
});

const PAGE_ROUTES = [
  "/admin",
  "/admin/quality",
  "/admin/traces",
  "/admin/traces/some-id",
  "/admin/gaps",
  "/admin/corpus",
  "/admin/corpus/document?path=syllabus.md",
  "/admin/corpus/search?q=%E4%BD%9C%E6%A5%AD",
  "/admin/playground",
  "/admin/playground/next-token?prompt=1%2B1%3D",
];
const POST_ROUTES = [
  "/admin/corpus/upload",
  "/admin/corpus/delete",
  "/admin/corpus/reingest",
  "/admin/corpus/rollback",
  "/admin/playground",
  "/admin/logout",
];
const API_ROUTES: [string, string][] = [
  ["GET", "/api/admin/traces"],
  ["GET", "/api/admin/stats"],
  ["GET", "/api/admin/traces/export"],
  ["GET", "/api/admin/traces/some-id"],
  ["GET", "/api/admin/retrieval?q=x"],
  ["POST", "/api/admin/next-token"],
];

function request(path: string, init: RequestInit = {}) {
  return fetch(`${ta.url}${path}`, { redirect: "manual", ...init });
}

async function logIn(): Promise<string> {
  const response = await request("/admin/login", {
    method: "POST",
    headers: { origin: ta.url, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token: ta.adminToken, next: "/admin/corpus" }),
  });
  expect(response.status).toBe(303);
  expect(response.headers.get("location")).toBe("/admin/corpus");
  return response.headers.get("set-cookie")!.split(";")[0]!;
}

describe("without credentials", () => {
  test("pages redirect to the login page, remembering where to go", async () => {
    for (const path of PAGE_ROUTES) {
      const response = await request(path);
      expect(response.status, path).toBe(302);
      expect(response.headers.get("location"), path).toBe(`/admin/login?next=${encodeURIComponent(path)}`);
    }
  });

  test("form posts and the JSON API answer 401", async () => {
    for (const path of POST_ROUTES) {
      const response = await request(path, { method: "POST", headers: { origin: ta.url } });
      expect(response.status, path).toBe(401);
    }
    for (const [method, path] of API_ROUTES) {
      const response = await request(path, { method });
      expect(response.status, path).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe('Bearer realm="admin"');
      expect(await response.json()).toEqual({
        error: { code: "unauthorized", message: "admin token missing or wrong" },
      });
    }
  });

  test("a wrong token is refused everywhere, a right Bearer token works", async () => {
    for (const path of ["/admin/traces", "/api/admin/traces"]) {
      expect((await request(path, { headers: { authorization: "Bearer wrong-token" } })).status, path).toBe(
        401,
      );
      expect(
        (await request(path, { headers: { authorization: `Bearer ${ta.adminToken}` } })).status,
        path,
      ).toBe(200);
    }
    const login = await request("/admin/login", {
      method: "POST",
      headers: { origin: ta.url, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: `${ta.adminToken}x` }),
    });
    expect(login.status).toBe(401);
    expect(login.headers.get("set-cookie")).toBeNull();
    expect(await login.text()).toContain("That token is not right.");
  });

  test("unknown admin pages are an HTML 404 (after the access check)", async () => {
    expect((await request("/admin/nothing")).status).toBe(302);
    const missing = await request("/admin/nothing", {
      headers: { authorization: `Bearer ${ta.adminToken}` },
    });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toMatch(/^text\/html/);
    const slash = await request("/admin/", { headers: { authorization: `Bearer ${ta.adminToken}` } });
    expect(slash.headers.get("location")).toBe("/admin");
  });

  test("the login page and the assets are public", async () => {
    expect((await request("/admin/login")).status).toBe(200);
    expect((await request("/admin/assets/admin.css")).status).toBe(200);
  });
});

describe("sessions", () => {
  test("logging in sets an HttpOnly, SameSite=Strict cookie (Secure only over https)", async () => {
    const response = await request("/admin/login", {
      method: "POST",
      headers: { origin: ta.url, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: ta.adminToken }),
    });
    const cookie = response.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^ta_admin=[^;]+; Max-Age=43200; Path=\/; HttpOnly; SameSite=Strict$/);
    const overHttps = await request("/admin/login", {
      method: "POST",
      headers: {
        origin: ta.url,
        "content-type": "application/x-www-form-urlencoded",
        "x-forwarded-proto": "https",
      },
      body: new URLSearchParams({ token: ta.adminToken }),
    });
    expect(overHttps.headers.get("set-cookie")).toMatch(/; Secure/);
  });

  test("a session opens pages and the API; pages carry a CSP and are not cached", async () => {
    const cookie = await logIn();
    const page = await request("/admin/traces", { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect((await request("/api/admin/traces", { headers: { cookie } })).status).toBe(200);
  });

  test("cross-site posts with the cookie are refused (403); same-origin ones work", async () => {
    const cookie = await logIn();
    const crossSite = await request("/admin/corpus/reingest", {
      method: "POST",
      headers: {
        cookie,
        origin: "https://evil.example",
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "",
    });
    expect(crossSite.status).toBe(403);
    const noOrigin = await request("/admin/corpus/reingest", {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: "",
    });
    expect(noOrigin.status).toBe(403);
    const sameOrigin = await request("/admin/corpus/reingest", {
      method: "POST",
      headers: { cookie, origin: ta.url, "content-type": "application/x-www-form-urlencoded" },
      body: "",
    });
    expect(sameOrigin.status).toBe(303);
    const crossSiteLogin = await request("/admin/login", {
      method: "POST",
      headers: { origin: "https://evil.example", "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: ta.adminToken }),
    });
    expect(crossSiteLogin.status).toBe(403);
  });

  test("a one-time login link works once", async () => {
    const link = ta.service.adminLoginLink(ta.url);
    expect(link).toMatch(/\/admin\/login\?token=[A-Za-z0-9_-]{32}$/);
    const first = await fetch(link, { redirect: "manual" });
    expect(first.status).toBe(303);
    expect(first.headers.get("location")).toBe("/admin");
    const cookie = first.headers.get("set-cookie")!.split(";")[0]!;
    expect((await request("/admin/gaps", { headers: { cookie } })).status).toBe(200);
    const second = await fetch(link, { redirect: "manual" });
    expect(second.status).toBe(401);
    expect(second.headers.get("set-cookie")).toBeNull();
    // The admin token itself is not accepted in a URL.
    expect((await request(`/admin/login?token=${ta.adminToken}`)).status).toBe(401);
  });

  test("logging out ends the session", async () => {
    const cookie = await logIn();
    const out = await request("/admin/logout", { method: "POST", headers: { cookie, origin: ta.url } });
    expect(out.status).toBe(303);
    expect(out.headers.get("set-cookie")).toMatch(/^ta_admin=; Max-Age=0/);
    expect((await request("/admin/traces", { headers: { cookie } })).status).toBe(302);
  });
});

describe("limits", () => {
  test("an upload over the size limit is refused with 413, a bad type with 400", async () => {
    const cookie = await logIn();
    const big = new FormData();
    big.set("file", new File([new Uint8Array(5 * 1024 * 1024 + 1).fill(65)], "big.md"));
    const tooBig = await request("/admin/corpus/upload", {
      method: "POST",
      headers: { cookie, origin: ta.url },
      body: big,
    });
    expect(tooBig.status).toBe(413);
    const bad = new FormData();
    bad.set("file", new File(["#!/bin/sh"], "../../run.sh"));
    const badType = await request("/admin/corpus/upload", {
      method: "POST",
      headers: { cookie, origin: ta.url },
      body: bad,
    });
    expect(badType.status).toBe(400);
    expect(await badType.text()).toContain("is not a supported document");
  });

  test("JSON API: retrieval and next-token", async () => {
    const headers = { authorization: `Bearer ${ta.adminToken}` };
    const retrieval = await request(`/api/admin/retrieval?q=${encodeURIComponent("作業")}`, { headers });
    expect(retrieval.status).toBe(200);
    const body = (await retrieval.json()) as { rankings: { retriever: string }[]; passages: unknown[] };
    expect(body.rankings.map((ranking) => ranking.retriever).sort()).toEqual(["fulltext", "vector", "words"]);
    const next = await request("/api/admin/next-token", {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ prompt: "1+1=" }),
    });
    expect(next.status).toBe(200);
    const tokens = (await next.json()) as {
      prompt: string;
      candidates: { token: string; probability: number }[];
    };
    expect(tokens.prompt).toBe("1+1=");
    expect(tokens.candidates).toHaveLength(10);
    const total = tokens.candidates.reduce((sum, candidate) => sum + candidate.probability, 0);
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(1.0001);
  });
});

describe("student privacy", () => {
  test("the JSON API shows pseudonyms, never a LINE or Discord id", async () => {
    const lineUserId = "U4af4980629a1b2c3d4e5f6a7b8c9d0e1";
    let traceId = "";
    const chat = ta.service.chat({
      message: "作業可以遲交嗎？",
      platform: "line",
      userId: lineUserId,
      conversationId: `line:user:${lineUserId}`,
      sampling: { maxTokens: 4 },
    });
    for await (const event of chat.events()) {
      if (event.type === "retrieval") traceId = event.traceId;
    }
    const headers = { authorization: `Bearer ${ta.adminToken}` };
    const detail = await request(`/api/admin/traces/${traceId}`, { headers });
    expect(detail.status).toBe(200);
    const text = await detail.text();
    expect(text).not.toContain(lineUserId);
    const trace = JSON.parse(text) as { userId: string; conversationId: string };
    expect(trace.userId).toMatch(/^學生-[0-9a-f]{12}$/);
    expect(trace.conversationId).toMatch(/^line:對話-[0-9a-f]{12}$/);
    const list = await request("/api/admin/traces?limit=50", { headers });
    expect(await list.text()).not.toContain(lineUserId);
  });
});
