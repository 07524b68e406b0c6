/**
 * Fuzzing the admin routes: login and logout, the JSON admin API (traces by id, the retrieval view,
 * next-token) and the admin form POSTs, with no, wrong and right credentials (token or session,
 * same-site or not). Same rules as fuzz.test.ts: no 5xx, readable 4xx, the server keeps serving.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom } from "../../src/fixtures/random.ts";
import type { TestService } from "../helpers/service.ts";
import {
  CONTENT_TYPES,
  type FuzzTarget,
  pick,
  randomBody,
  randomJsonValue,
  startFuzzTarget,
} from "./fuzz-helpers.ts";

/** Odd trace ids: filter injection, encodings, control characters, lengths. */
const TRACE_IDS = [
  "00000000-0000-0000-0000-000000000000",
  "' OR 1=1 --",
  "x' OR id != '",
  '"; DROP TABLE traces; --',
  "%00",
  "%ff%fe",
  "%E4%BD%A0%E5%A5%BD",
  "..%2F..%2Fetc%2Fpasswd",
  "a\\b",
  "`id`",
  "id = 'x'",
  "%25",
  "(",
  "a".repeat(3000),
  "%F0%9F%92%A5",
  "null",
  "*",
];

/** Odd questions for the retrieval view: full-text syntax, encodings, lengths. */
const RETRIEVAL_QUERIES = [
  "",
  "%20%20",
  "top-p",
  "HW4 的截止時間",
  '"unterminated',
  "a AND OR NOT (",
  "*",
  "%ff%fe",
  "%00",
  "' OR 1=1 --",
  // Over the view's 2,000-character cut, within Node's 16 KB request-head limit (beyond it Node
  // itself answers a bare 431 before the app sees the request).
  encodeURIComponent("長".repeat(1500)),
  "a".repeat(5000),
  encodeURIComponent("\\"),
  "q:~1^2",
  encodeURIComponent("<|im_start|>system"),
  "%",
];

describe("fuzzing the admin routes", () => {
  let target: FuzzTarget;
  let service: TestService;
  let send: FuzzTarget["send"];
  let logIn: FuzzTarget["logIn"];
  let sessionCookie = "";
  beforeAll(async () => {
    target = await startFuzzTarget();
    ({ service, send, logIn } = target);
    sessionCookie = await logIn();
  });
  afterAll(async () => {
    await target?.close();
  });

  /** Admin credentials, at random: none, a wrong or malformed token, the token, or the session (same-site or not). */
  function adminCredentials(random: () => number): Record<string, string> {
    switch (Math.floor(random() * 6)) {
      case 0:
        return {};
      case 1:
        return {
          authorization: pick(random, [
            "Bearer nope",
            "Basic YWRtaW46YWRtaW4=",
            "Bearer",
            "Bearer \u00ff\u00fe",
          ]),
        };
      case 2:
        return { cookie: sessionCookie, origin: "https://evil.example" };
      case 3:
        return { cookie: sessionCookie, origin: service.url };
      default:
        return { authorization: `Bearer ${service.adminToken}` };
    }
  }

  it("admin login and logout: odd forms, sizes, origins and cookies", async () => {
    const random = seededRandom(31);
    const failures: string[] = [];
    // A session of its own: a fuzzed logout revokes the cookie it is sent with.
    const cookie = await logIn();
    const statuses = new Set<number>();
    for (let index = 0; index < 80; index++) {
      const headers: Record<string, string> = {};
      const contentType = pick(random, [...CONTENT_TYPES, "multipart/form-data; boundary=x"]);
      if (contentType) headers["content-type"] = contentType;
      const origin = pick(random, [service.url, "https://evil.example", "null", "", "not a url"]);
      if (origin) headers.origin = origin;
      if (random() < 0.3) headers["sec-fetch-site"] = pick(random, ["same-origin", "cross-site", "none"]);
      if (random() < 0.3)
        headers.cookie = pick(random, [cookie, "ta_admin=forged.value", "ta_admin=", "ta_admin=%ff"]);
      if (random() < 0.2)
        headers.referer = pick(random, [`${service.url}/admin/login`, "javascript:alert(1)", "%%"]);
      const kind = Math.floor(random() * 5);
      const body =
        kind === 0
          ? new URLSearchParams({
              token: pick(random, ["", "wrong", service.adminToken, "\u0000", "a".repeat(2000)]),
              next: pick(random, [
                "/admin/traces",
                "//evil.example",
                "https://evil.example",
                "/admin/../etc",
                "\\\\evil",
                "",
              ]),
            }).toString()
          : kind === 1
            ? `token=${"x".repeat(20_000)}`
            : kind === 2
              ? "token=%ff%fe&next=%"
              : randomBody(random);
      const path = random() < 0.5 ? "/admin/login" : "/admin/logout";
      statuses.add(await send(failures, "POST", path, { headers, body }));
    }
    expect(failures).toEqual([]);
    expect([...statuses].some((status) => status >= 400)).toBe(true);

    // And still: the right token from this site logs in, logging out ends that session.
    const session = await logIn();
    const withSession = { cookie: session, origin: service.url };
    expect((await fetch(`${service.url}/api/admin/traces?limit=1`, { headers: withSession })).status).toBe(
      200,
    );
    const logout = await fetch(`${service.url}/admin/logout`, {
      method: "POST",
      redirect: "manual",
      headers: withSession,
    });
    expect(logout.status).toBe(303);
    expect((await fetch(`${service.url}/api/admin/traces?limit=1`, { headers: withSession })).status).toBe(
      401,
    );
  }, 120_000);

  it("admin API: traces by odd ids, the retrieval view and next-token with odd input", async () => {
    const random = seededRandom(47);
    const failures: string[] = [];
    const token = { authorization: `Bearer ${service.adminToken}` };
    // One real trace to look up beside the odd ids.
    const answered = await fetch(`${service.url}/api/chat`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ message: "top-p 是什麼？", stream: false }),
    });
    const realId = ((await answered.json()) as { traceId: string }).traceId;
    const nextTokenStatuses = new Set<number>();
    for (const id of [realId, ...TRACE_IDS]) {
      // As typed (the URL parser escapes what it must; %xx stays as sent), then fully encoded.
      await send(failures, "GET", `/api/admin/traces/${id}`, { headers: token });
      await send(failures, "GET", `/api/admin/traces/${encodeURIComponent(id)}`, {
        headers: adminCredentials(random),
      });
    }
    for (const query of RETRIEVAL_QUERIES) {
      await send(failures, "GET", `/api/admin/retrieval?q=${query}`, { headers: token });
      await send(failures, "GET", `/api/admin/retrieval?q=${query}&q=second`, {
        headers: adminCredentials(random),
      });
    }
    await send(failures, "GET", "/api/admin/retrieval", { headers: token });
    for (let index = 0; index < 40; index++) {
      const kind = Math.floor(random() * 3);
      const body =
        kind === 0
          ? JSON.stringify({
              prompt: pick(random, [
                "1+1=",
                "<|im_start|>user\nhi<|im_end|>\n",
                "",
                "\u0000",
                "長".repeat(9000),
                "💥",
              ]),
              topN: pick(random, [1, 10, 100, 101, 0, -1, 2.5, "10", null, undefined]),
              chatTemplate: pick(random, [true, false, "yes", 1, undefined]),
            })
          : kind === 1
            ? JSON.stringify(randomJsonValue(random))
            : randomBody(random);
      const headers = {
        ...(random() < 0.7 ? token : adminCredentials(random)),
        "content-type": pick(random, CONTENT_TYPES),
      };
      nextTokenStatuses.add(await send(failures, "POST", "/api/admin/next-token", { headers, body }));
    }
    expect(failures).toEqual([]);
    // Real answers and refusals both came back.
    expect(nextTokenStatuses.has(200)).toBe(true);
    expect(nextTokenStatuses.has(400)).toBe(true);
    expect(await send(failures, "GET", `/api/admin/traces/${realId}`, { headers: token })).toBe(200);
    // A real question still gets a ranked answer from the retrieval view.
    const retrieval = await fetch(`${service.url}/api/admin/retrieval?q=${encodeURIComponent("top-p")}`, {
      headers: token,
    });
    expect(retrieval.status).toBe(200);
  }, 120_000);

  it("admin form POSTs: corpus upload, delete, re-ingest, rollback and the playground", async () => {
    const random = seededRandom(73);
    const failures: string[] = [];
    const forms = [
      "/admin/corpus/upload",
      "/admin/corpus/delete",
      "/admin/corpus/reingest",
      "/admin/corpus/rollback",
      "/admin/playground",
    ];
    let reingests = 0;
    const statuses = new Set<number>();
    for (let index = 0; index < 70; index++) {
      let path = pick(random, forms);
      // Re-ingesting is real work (an ingest run): a few times is enough.
      if (path === "/admin/corpus/reingest" && reingests++ >= 2) path = "/admin/corpus/delete";
      const headers = adminCredentials(random);
      const kind = Math.floor(random() * 4);
      let body: string | Uint8Array | FormData;
      if (kind === 0) {
        const form = new FormData();
        const name = pick(random, [
          "notes.md",
          "../../etc/passwd",
          "a/../../b.md",
          "x.exe",
          "",
          ".md",
          "空白 檔名.txt",
          "\u0000.md",
          `${"a".repeat(300)}.md`,
        ]);
        const content = pick(random, [
          "# 標題\n\n內容。",
          "",
          "\u0000\u0001binary",
          "%PDF-1.4 broken",
          "長".repeat(5000),
        ]);
        if (random() < 0.8) form.append("file", new File([content], name));
        form.append("folder", pick(random, ["", "notes", "../..", "/abs", "a\\b", "💥"]));
        form.append(
          "path",
          pick(random, [
            "",
            "lectures/none.md",
            "../../etc/passwd",
            "/etc/passwd",
            "notes/notes.md",
            "%2e%2e",
          ]),
        );
        form.append("version", pick(random, ["", "0", "-1", "1", "999999", "abc", "1e309", "2.5"]));
        form.append(
          "message",
          pick(random, ["HW4 什麼時候交？", "", "長".repeat(5000), "<script>alert(1)</script>"]),
        );
        for (const field of ["temperature", "topP", "topK", "maxTokens"])
          if (random() < 0.5)
            form.append(field, pick(random, ["", "0", "2", "-1", "abc", "1e309", "0.5", "4"]));
        body = form;
      } else if (kind === 1) {
        headers["content-type"] = "application/x-www-form-urlencoded";
        body = new URLSearchParams({
          path: pick(random, ["", "lectures/none.md", "../../etc/passwd", "notes/notes.md"]),
          version: pick(random, ["", "0", "-1", "999999", "abc"]),
          message: pick(random, ["HW4 什麼時候交？", "", "<|im_start|>system"]),
          temperature: pick(random, ["", "0", "9", "abc", "0.5"]),
          maxTokens: pick(random, ["", "1", "4", "99999", "-3"]),
        }).toString();
      } else if (kind === 2) {
        headers["content-type"] = pick(random, [
          "application/x-www-form-urlencoded",
          "multipart/form-data",
          "multipart/form-data; boundary=zz",
        ]);
        body = pick(random, [
          "%ff%fe=%",
          "a".repeat(70_000),
          '--zz\r\nContent-Disposition: form-data; name="file"; filename="../x.md"\r\n\r\nhi\r\n--zz',
          "path",
        ]);
      } else {
        const contentType = pick(random, CONTENT_TYPES);
        if (contentType) headers["content-type"] = contentType;
        body = randomBody(random);
      }
      const status = await send(failures, "POST", path, { headers, body });
      statuses.add(status);
    }
    expect(failures).toEqual([]);
    // Refused without access (401, 403), and handled with it: changes redirect (303), bad forms 400.
    for (const status of [401, 403, 303, 400]) expect(statuses.has(status), `status ${status}`).toBe(true);
    // The corpus page still renders for staff afterwards.
    const page = await fetch(`${service.url}/admin/corpus`, {
      headers: { authorization: `Bearer ${service.adminToken}` },
    });
    expect(page.status).toBe(200);
  }, 180_000);
});
