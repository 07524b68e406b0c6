/** GET /api/admin/traces?limit=&before= and GET /api/admin/traces/:id (bearer-protected in app.ts). */
import type { Hono } from "hono";
import { AppError } from "../../errors.ts";
import type { HttpServices } from "../app.ts";

function readLimit(value: string | undefined): number {
  if (value === undefined) return 50;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new AppError("limit must be an integer from 1 to 500", "bad_request");
  return limit;
}

function readBefore(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (Number.isNaN(Date.parse(value))) throw new AppError("before must be an ISO date-time, e.g. 2026-11-23T10:00:00Z", "bad_request");
  return new Date(value).toISOString();
}

export function registerAdminApi(app: Hono, services: HttpServices): void {
  app.get("/api/admin/traces", async (c) => {
    const limit = readLimit(c.req.query("limit"));
    const traces = await services.traces.list({ limit, before: readBefore(c.req.query("before")) });
    const next = traces.length === limit ? traces.at(-1)?.createdAt : undefined;
    return c.json({ traces, next: next ?? null });
  });

  app.get("/api/admin/traces/:id", async (c) => {
    const trace = await services.traces.get(c.req.param("id"));
    if (!trace) throw new AppError(`no trace with id ${c.req.param("id")}`, "not_found");
    return c.json(trace);
  });
}
