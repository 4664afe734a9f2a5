/** The Worker's bindings (wrangler.toml) and secrets (.dev.vars locally, `wrangler secret put` deployed). */
export interface Env {
  DB: D1Database;
  /** HMAC key for client tokens. */
  TOKEN_SECRET: string;
  /** Bearer token of the admin endpoints. */
  ADMIN_TOKEN: string;
}

export type AppEnv = { Bindings: Env; Variables: { clientId: string } };
