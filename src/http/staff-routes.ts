/** Mounts the staff loop's API (behind the admin access middleware registered before it). */
import type { Hono } from "hono";
import type { AdminContext } from "../admin/context.ts";
import { createStaffPages } from "../admin/routes-staff.tsx";
import type { TraceStore } from "../store/index.ts";
import { createHandoffApi } from "./routes/admin-handoffs.ts";
import { createVerifiedApi } from "./routes/admin-verified.ts";
import type { StaffServices } from "./staff-services.ts";

export function registerStaffRoutes(
  app: Hono,
  staff: StaffServices,
  traces: Pick<TraceStore, "get">,
  admin: AdminContext,
): void {
  // Before the admin pages' own catch-all, so these paths are found.
  app.route("/admin", createStaffPages(admin, staff));
  app.route(
    "/api/admin/handoffs",
    createHandoffApi({ store: staff.handoffs, desk: staff.desk, conversations: staff.conversations }, admin),
  );
  app.route(
    "/api/admin/verified-answers",
    createVerifiedApi({
      store: staff.verified,
      changed: staff.verifiedChanged,
      traceExists: async (id) => (await traces.get(id)) !== undefined,
    }),
  );
}
