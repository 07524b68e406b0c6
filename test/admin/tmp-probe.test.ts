import { expect, test } from "vitest";
import { startTestService } from "../helpers/service.ts";
test("probe", async () => {
  const ta = await startTestService();
  const h = { authorization: `Bearer ${ta.adminToken}` };
  for (const p of ["/admin/nothing", "/admin/", "/admin/traces/nope", "/admin/traces?platform=bad"]) {
    const r = await fetch(ta.url + p, { headers: h, redirect: "manual" });
    console.log(p, r.status, r.headers.get("content-type"), (await r.text()).slice(0, 120));
  }
  await ta.close();
  expect(1).toBe(1);
});
