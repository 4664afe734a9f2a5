/**
 * This repository's Worker (wrangler.toml's `main`): the edge API from the factory in app.ts on the
 * bindings named as in wrangler.toml, the volunteer page as static assets, and the cron trigger that
 * returns expired leases to the pool.
 */
import { createApp } from "./app.js";
import type { Env } from "./env.js";
import { expireLeases } from "./lease-sql.js";

export const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(_event: ScheduledController, env: Env) {
    await expireLeases(env.DB, Date.now());
  },
} satisfies ExportedHandler<Env>;
