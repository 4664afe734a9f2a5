/**
 * Rate limits and the daily lease quota (the numbers: rate-limit-rules.ts), counted in D1.
 *
 * Each limited request counts against its client (the id of a correctly signed token, expired or
 * not: a forged token cannot spend someone else's allowance) and its network (network.ts; an
 * unreadable address counts as the network "unknown"). Over a limit: 429 `rate_limited` naming the
 * limit, with `Retry-After` in seconds. The request still counts, so hammering does not shorten the wait.
 *
 * Why a fixed window in D1: one row per (limit, client or network), bumped by one UPSERT … RETURNING,
 * all of a request's limits in one batch (one round trip). D1 runs writes one at a time, so counts
 * are exact across every Worker instance and location, and a limit holds for whoever mounts the API
 * (createApp) without extra bindings. A fixed window lets through at most twice its allowance
 * across a window edge, which is enough for abuse limits; a sliding log would need a row per request.
 * Not Cloudflare's rate-limiting binding: it counts per location and only approximately, allows only
 * 10 s or 60 s periods (no 10-minute registration window, no daily quota), and its limits are fixed
 * in wrangler.toml, beyond the tests' reach. Not a Durable Object: the host Worker would have to
 * export and migrate a class for the mounted API, a second store beside D1, and the daily quota
 * needs D1's leases and results anyway. Every limited route already writes D1 once; this adds one write.
 *
 * The table keeps one row per key, overwritten when a new window starts: it grows with the clients
 * and networks seen, as the clients table does.
 */
import type { Context, MiddlewareHandler } from "hono";
import { signedClientId } from "./auth.js";
import type { AppEnv } from "./env.js";
import { ApiError, errorResponse } from "./errors.js";
import { CONNECTING_IP_HEADER, networkOf } from "./network.js";
import { LEASE_QUOTA_WINDOW_MS, leaseQuotaFor, leaseQuotaFrom, rateLimitsFrom, type LimitName, type WindowLimit } from "./rate-limit-rules.js";

/** The limited requests, each with its per-client and per-network limit (registration has no client yet). */
const ACTIONS = {
  register: { perClient: null, perNetwork: "registrationsPerNetwork" },
  refreshToken: { perClient: "tokenRefreshesPerClient", perNetwork: "tokenRefreshesPerNetwork" },
  lease: { perClient: "leasesPerClient", perNetwork: "leasesPerNetwork" },
  progress: { perClient: "progressPerClient", perNetwork: "progressPerNetwork" },
  result: { perClient: "resultsPerClient", perNetwork: "resultsPerNetwork" },
} as const satisfies Record<string, { perClient: LimitName | null; perNetwork: LimitName }>;

export type LimitedAction = keyof typeof ACTIONS;

/** One limit a request counts against: whose allowance (`of`, `id`) and how much it is. */
interface Counted {
  name: LimitName;
  of: "client" | "network";
  id: string;
  limit: WindowLimit;
}

/** Counts a hit in the key's current window (a later window restarts it at 1); ?1 key, ?2 window start, ?3 window end. */
const COUNT_HIT = `
  INSERT INTO rate_limit_windows (key, window_start, window_end, hits) VALUES (?1, ?2, ?3, 1)
  ON CONFLICT (key) DO UPDATE SET
    hits = CASE WHEN excluded.window_start > window_start THEN 1 ELSE hits + 1 END,
    window_end = max(window_end, excluded.window_end),
    window_start = max(window_start, excluded.window_start)
  RETURNING hits, window_end AS windowEnd`;

/** A client's leases in the quota window, the oldest of them, and its results validation confirmed; ?1 client, ?2 window start. */
const QUOTA_STATE = `
  SELECT
    (SELECT count(*) FROM leases WHERE client_id = ?1 AND created_at > ?2) AS leased,
    (SELECT min(created_at) FROM leases WHERE client_id = ?1 AND created_at > ?2) AS oldest,
    (SELECT count(*) FROM results WHERE client_id = ?1 AND status IN ('valid', 'approximate-accepted')) AS validResults`;

const retryAfterSeconds = (untilMs: number, now: number) => Math.max(1, Math.ceil((untilMs - now) / 1000));

function rateLimited(message: string, retryAfter: number): ApiError {
  return new ApiError(429, "rate_limited", `${message}; retry in ${retryAfter} s`);
}

function refuse(c: Context, error: ApiError, retryAfter: number): Response {
  c.header("Retry-After", String(retryAfter));
  return errorResponse(c, error);
}

/**
 * Counts a POST to the route it is mounted on (app.ts) against its limits, refusing it (429) over any;
 * a lease also against the client's daily quota. Other methods pass uncounted.
 */
export function limitRequests(action: LimitedAction): MiddlewareHandler<AppEnv> {
  const { perClient, perNetwork } = ACTIONS[action];
  return async (c, next) => {
    if (c.req.method !== "POST") return next();
    const limits = rateLimitsFrom(c.env.RATE_LIMITS);
    const quota = action === "lease" ? leaseQuotaFrom(c.env.LEASE_QUOTA) : null;
    const clientId = perClient === null ? null : await signedClientId(c);
    const network = networkOf(c.req.header(CONNECTING_IP_HEADER) ?? "") ?? "unknown";
    const counted: Counted[] = [{ name: perNetwork, of: "network", id: network, limit: limits[perNetwork] }];
    if (perClient !== null && clientId !== null) counted.unshift({ name: perClient, of: "client", id: clientId, limit: limits[perClient] });

    const db = c.env.DB;
    const now = Date.now();
    const statements = counted.map(({ name, of, id, limit }) => {
      const windowMs = limit.windowSeconds * 1000;
      const start = Math.floor(now / windowMs) * windowMs;
      return db.prepare(COUNT_HIT).bind(`${name}:${of}:${id}`, start, start + windowMs);
    });
    const checkQuota = quota !== null && clientId !== null;
    if (checkQuota) statements.push(db.prepare(QUOTA_STATE).bind(clientId, now - LEASE_QUOTA_WINDOW_MS));
    const replies = await db.batch<Record<string, number>>(statements);

    for (const [index, { name, of, id, limit }] of counted.entries()) {
      const { hits, windowEnd } = replies[index].results[0] as { hits: number; windowEnd: number };
      if (hits > limit.max) {
        const retryAfter = retryAfterSeconds(windowEnd, now);
        return refuse(c, rateLimited(`rate limit ${name}: at most ${limit.max} requests per ${limit.windowSeconds} s from one ${of} (${of} ${id})`, retryAfter), retryAfter);
      }
    }
    if (checkQuota) {
      const { leased, oldest, validResults } = replies[counted.length].results[0] as { leased: number; oldest: number | null; validResults: number };
      const allowed = leaseQuotaFor(quota, validResults);
      if (leased >= allowed) {
        const retryAfter = retryAfterSeconds((oldest ?? now) + LEASE_QUOTA_WINDOW_MS, now);
        const rule = `${quota.base} + ${quota.perValidResult} per valid result, at most ${quota.max}`;
        return refuse(c, rateLimited(`daily lease quota: client ${clientId} has taken ${leased} leases in the last 24 hours, its quota is ${allowed} (${rule}; valid results: ${validResults})`, retryAfter), retryAfter);
      }
    }
    await next();
  };
}
