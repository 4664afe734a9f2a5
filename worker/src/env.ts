/**
 * The API's view of its Worker's bindings (wrangler.toml) and secrets (.dev.vars locally, `wrangler
 * secret put` deployed), as the routes read them. A host app that mounts the API may name its
 * bindings otherwise: app.ts maps them onto these names (createApp's `bindings`).
 */
export interface Env {
  DB: D1Database;
  /** HMAC key for client tokens. */
  TOKEN_SECRET: string;
  /** Bearer token of the admin endpoints. */
  ADMIN_TOKEN: string;
  /** Lease length in seconds (default 600); tests shorten it with `--var LEASE_SECONDS:2`. */
  LEASE_SECONDS?: string;
}

export type AppEnv = { Bindings: Env; Variables: { clientId: string } };
