/** The admin pages as one Hono sub-app, mounted at /admin (access control is in http/routes/admin-auth.ts). */
import { Hono } from "hono";
import { errorCode, errorMessage, httpStatusOf } from "../errors.ts";
import { ADMIN_CSS, ADMIN_JS } from "./assets.ts";
import type { AdminContext } from "./context.ts";
import { CHART_CSS } from "./pages/charts.tsx";
import { ErrorPage, renderPage } from "./pages/layout.tsx";
import { registerCorpusPages } from "./routes-corpus.tsx";
import { registerDashboardPages } from "./routes-dashboard.tsx";
import { registerPlaygroundPages } from "./routes-playground.tsx";
import { registerTracePages } from "./routes-traces.tsx";

export function createAdminPages(context: AdminContext, onServerError?: (message: string) => void): Hono {
  const admin = new Hono();
  admin.onError((error, c) => {
    const status = httpStatusOf(errorCode(error));
    if (status >= 500) onServerError?.(`${c.req.method} ${c.req.path}: ${errorMessage(error)}`);
    const shown =
      status === 400 || status === 401 || status === 404 || status === 413 || status === 503 ? status : 500;
    const message =
      shown === 500 ? "Something went wrong on the server; the log has the details." : errorMessage(error);
    return renderPage(
      c,
      <ErrorPage title={shown === 404 ? "Not found" : "Error"} message={message} />,
      shown,
    );
  });

  admin.get("/assets/admin.css", (c) => {
    c.header("Cache-Control", "public, max-age=3600");
    return c.body(ADMIN_CSS + CHART_CSS, 200, { "Content-Type": "text/css; charset=utf-8" });
  });
  admin.get("/assets/admin.js", (c) => {
    c.header("Cache-Control", "public, max-age=3600");
    return c.body(ADMIN_JS, 200, { "Content-Type": "text/javascript; charset=utf-8" });
  });
  registerDashboardPages(admin, context);
  registerTracePages(admin, context);
  registerCorpusPages(admin, context);
  registerPlaygroundPages(admin, context);
  // Registered last, so it only answers what no page above matched (a mounted sub-app's notFound is not used).
  admin.all("/*", (c) => {
    if (c.req.path === "/admin/") return c.redirect("/admin", 302);
    return renderPage(c, <ErrorPage title="Not found" message={`There is no page ${c.req.path}.`} />, 404);
  });
  return admin;
}
