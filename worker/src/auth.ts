/**
 * Who is calling: admins by a bearer token from the environment (ADMIN_TOKEN); volunteers by a client
 * token issued at registration and refreshed before it lapses:
 *
 *   v1.<clientId>.<expiresAtMs>.<hex HMAC-SHA256(TOKEN_SECRET, "v1.<clientId>.<expiresAtMs>")>
 *
 * valid TOKEN_DAYS days (default 30). Rotating the key: set TOKEN_SECRET to the new one and
 * TOKEN_SECRET_PREVIOUS to the old one; tokens signed with either verify, and refreshes sign with the
 * new one. An expired token (correctly signed) is refused with `token_expired` everywhere except the
 * refresh route, which accepts it for TOKEN_REFRESH_GRACE_DAYS more (then `token_expired_for_good`:
 * register again).
 *
 * Every secret passes auth-secrets.ts's checks first (present, no placeholder, at least 32 bytes). The
 * admin token is compared in constant time, its length included.
 */
import type { Context, MiddlewareHandler } from "hono";
import { requireSecret } from "./auth-secrets.js";
import type { AppEnv, Env } from "./env.js";
import { ApiError } from "./errors.js";

export const DEFAULT_TOKEN_DAYS = 30;
/** How long after its expiry a token may still be exchanged for a fresh one (POST /api/clients/me/token). */
export const TOKEN_REFRESH_GRACE_DAYS = 30;

const TOKEN_VERSION = "v1";
const TOKEN_FORMAT = `${TOKEN_VERSION}.<clientId>.<expiresAtMs>.<64 hex digits of HMAC-SHA256>`;
const DAY_MS = 24 * 3600 * 1000;
const encoder = new TextEncoder();

const hex = (bytes: ArrayBuffer) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");

async function hmacHex(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return hex(await crypto.subtle.sign("HMAC", key, encoder.encode(message)));
}

/** Equal byte sequences, in time that depends on the length only (no exit at the first difference). */
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/**
 * Whether `given` is `expected`, in time independent of where they differ and of their lengths: the
 * SHA-256 digests (32 bytes each, whatever the inputs) are compared, never the strings.
 */
async function sameSecret(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([given, expected].map((text) => crypto.subtle.digest("SHA-256", encoder.encode(text))));
  return equalBytes(new Uint8Array(a), new Uint8Array(b));
}

/** The keys that verify client tokens: TOKEN_SECRET (which also signs), then TOKEN_SECRET_PREVIOUS if set. */
function verificationSecrets(env: Env): string[] {
  const current = requireSecret(env.TOKEN_SECRET, "TOKEN_SECRET");
  return env.TOKEN_SECRET_PREVIOUS === undefined || env.TOKEN_SECRET_PREVIOUS === "" ? [current] : [current, requireSecret(env.TOKEN_SECRET_PREVIOUS, "TOKEN_SECRET_PREVIOUS")];
}

/** How long a new token lives: TOKEN_DAYS (a positive number, fractions allowed) or 30 days. */
function tokenLifetimeMs(env: Env): number {
  if (env.TOKEN_DAYS === undefined || env.TOKEN_DAYS === "") return DEFAULT_TOKEN_DAYS * DAY_MS;
  const days = Number(env.TOKEN_DAYS);
  if (!(Number.isFinite(days) && days > 0)) throw new ApiError(500, "misconfigured", `TOKEN_DAYS must be a positive number of days, got "${env.TOKEN_DAYS}"`);
  return days * DAY_MS;
}

export interface IssuedToken {
  token: string;
  /** Unix milliseconds. */
  expiresAt: number;
}

/** A fresh token for `clientId`, signed with TOKEN_SECRET. */
export async function issueClientToken(env: Env, clientId: string, now: number): Promise<IssuedToken> {
  const secret = requireSecret(env.TOKEN_SECRET, "TOKEN_SECRET");
  const expiresAt = now + Math.round(tokenLifetimeMs(env));
  const payload = `${TOKEN_VERSION}.${clientId}.${expiresAt}`;
  return { token: `${payload}.${await hmacHex(secret, payload)}`, expiresAt };
}

export type TokenReading =
  | { kind: "signed"; clientId: string; expiresAt: number }
  | { kind: "malformed" }
  | { kind: "forged" };

/** What a token proves: a client id and its expiry if one of the keys signed it (expired or not). */
export async function readClientToken(env: Env, token: string): Promise<TokenReading> {
  const match = /^v1\.([0-9A-Za-z-]{1,64})\.(\d{1,16})\.([0-9a-f]{64})$/.exec(token);
  if (!match) return { kind: "malformed" };
  const [, clientId, expiresAt, signature] = match;
  const payload = `${TOKEN_VERSION}.${clientId}.${expiresAt}`;
  for (const secret of verificationSecrets(env)) {
    if (equalBytes(encoder.encode(signature), encoder.encode(await hmacHex(secret, payload)))) return { kind: "signed", clientId, expiresAt: Number(expiresAt) };
  }
  return { kind: "forged" };
}

function bearer(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  return match ? match[1] : null;
}

/** The client id of the request's token if a key signed it (expired or not), else null; for counting requests (rate-limit.ts). */
export async function signedClientId(c: Context<AppEnv>): Promise<string | null> {
  const token = bearer(c.req.header("authorization"));
  if (!token) return null;
  const reading = await readClientToken(c.env, token);
  return reading.kind === "signed" ? reading.clientId : null;
}

export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const expected = requireSecret(c.env.ADMIN_TOKEN, "ADMIN_TOKEN");
  const token = bearer(c.req.header("authorization"));
  if (!token) throw new ApiError(401, "missing_admin_token", "this endpoint needs `Authorization: Bearer <admin token>`");
  if (!(await sameSecret(token, expected))) throw new ApiError(403, "bad_admin_token", "the admin token is not valid");
  await next();
};

const isoTime = (ms: number) => new Date(ms).toISOString();

/**
 * The client a request's token proves, refusing (401) a missing, malformed, forged or expired token
 * and a client this server does not know. `graceMs`: how long past its expiry a token still passes
 * (0 but for the refresh route).
 */
function authenticateClient(graceMs: number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearer(c.req.header("authorization"));
    if (!token) throw new ApiError(401, "missing_client_token", "this endpoint needs `Authorization: Bearer <client token>` from POST /api/clients");
    const reading = await readClientToken(c.env, token);
    if (reading.kind === "malformed") throw new ApiError(401, "bad_client_token", `the client token is malformed: expected ${TOKEN_FORMAT} from POST /api/clients (tokens of the older <clientId>.<signature> form are no longer accepted: register again)`);
    if (reading.kind === "forged") throw new ApiError(401, "bad_client_token", "the client token's signature does not match");
    const { clientId, expiresAt } = reading;
    const now = Date.now();
    if (now > expiresAt + graceMs) {
      if (graceMs === 0) throw new ApiError(401, "token_expired", `the client token expired at ${isoTime(expiresAt)}: get a fresh one from POST /api/clients/me/token (accepted up to ${TOKEN_REFRESH_GRACE_DAYS} days after expiry)`);
      throw new ApiError(401, "token_expired_for_good", `the client token expired at ${isoTime(expiresAt)}, more than ${TOKEN_REFRESH_GRACE_DAYS} days ago: register again (POST /api/clients)`);
    }
    // Every authenticated call counts as activity (the stats' "volunteers active").
    const seen = await c.env.DB.prepare("UPDATE clients SET last_seen = ? WHERE id = ?").bind(now, clientId).run();
    if (seen.meta.changes === 0) throw new ApiError(401, "unknown_client", `client ${clientId} is not registered here`);
    c.set("clientId", clientId);
    await next();
  };
}

/** A client route: the token must be valid now. */
export const requireClient = authenticateClient(0);

/** The token refresh route: the token may have expired up to TOKEN_REFRESH_GRACE_DAYS ago. */
export const requireClientForRefresh = authenticateClient(TOKEN_REFRESH_GRACE_DAYS * DAY_MS);
