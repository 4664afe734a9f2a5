/** The Worker's bindings (wrangler.toml) and secrets (.dev.vars locally, `wrangler secret put` deployed). */
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
