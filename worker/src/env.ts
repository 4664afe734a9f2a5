/**
 * The API's view of its Worker's bindings (wrangler.toml) and secrets (.dev.vars locally, `wrangler
 * secret put` deployed), as the routes read them. A host app that mounts the API may name its
 * bindings otherwise: app.ts maps them onto these names (createApp's `bindings`).
 */
export interface Env {
  DB: D1Database;
  /** HMAC key that signs and verifies client tokens (auth.ts): at least 32 bytes, never a placeholder. */
  TOKEN_SECRET: string;
  /** The key TOKEN_SECRET replaced, while tokens it signed may still be in use: it verifies, never signs. */
  TOKEN_SECRET_PREVIOUS?: string;
  /** Days a client token lives (default 30). */
  TOKEN_DAYS?: string;
  /** Bearer token of the admin endpoints: at least 32 bytes, never a placeholder. */
  ADMIN_TOKEN: string;
  /** Origins whose pages may call the API (CORS), comma-separated (security-headers.ts); same-origin pages need none. */
  ALLOWED_ORIGINS?: string;
  /** Overrides of the rate limits, `leasesPerClient=5/60,…` (rate-limit-rules.ts). */
  RATE_LIMITS?: string;
  /** Overrides of the daily lease quota, `base=100,perValidResult=10,max=5000` (rate-limit-rules.ts). */
  LEASE_QUOTA?: string;
  /** The heartbeat timeout in seconds (default 120, routes/leases.ts); tests shorten it with `--var LEASE_SECONDS:2`. */
  LEASE_SECONDS?: string;
  /** Replaces every client's cap of live leases (lease-cap-rule.ts) when set: a positive integer. */
  MAX_LIVE_LEASES?: string;
}

export type AppEnv = { Bindings: Env; Variables: { clientId: string } };
