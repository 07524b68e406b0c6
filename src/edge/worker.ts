/** Cloudflare Worker entry (wrangler.toml `main`). */
import { createEdgeApp } from "./app.ts";

export default createEdgeApp();
