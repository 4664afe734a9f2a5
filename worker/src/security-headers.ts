/**
 * Headers of the API's replies. Every reply says `X-Content-Type-Options: nosniff` and carries a CSP
 * that allows nothing (a JSON or CSV reply opened as a page runs no script and cannot be framed).
 *
 * CORS is strict: a page of another origin may call the API only if ALLOWED_ORIGINS (a comma list of
 * origins such as `https://lab.example.org`) lists its origin. Only then does a reply carry
 * `Access-Control-Allow-Origin` (that origin, never `*`), and only then is a preflight answered with
 * the methods and headers the API takes; an unlisted origin's preflight gets a 403 without any CORS
 * header, so the browser refuses the call. The volunteer page and the dashboard are served from the
 * API's own origin and need no entry. No credentials: the API's tokens are bearer headers, not cookies.
 */
import type { MiddlewareHandler } from "hono";
import { ApiError, errorResponse } from "./errors.js";

/** The one binding CORS reads (env.ts), after app.ts has mapped the host's environment. */
type CorsEnv = { Bindings: { ALLOWED_ORIGINS?: string } };

/** What every API reply carries. */
export const API_REPLY_HEADERS = {
  "X-Content-Type-Options": "nosniff",
  "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
} as const;

const CORS_METHODS = "GET, POST";
const CORS_REQUEST_HEADERS = "Authorization, Content-Type, Idempotency-Key";
/** Headers a cross-origin page may read besides the safelisted ones: the rate limits' and lease cap's wait. */
const CORS_EXPOSED_HEADERS = "Retry-After";
const PREFLIGHT_MAX_AGE_SECONDS = "600";

/** Sets API_REPLY_HEADERS on every reply, errors included: it runs outermost, before anything can fail. */
export const apiReplyHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  for (const [name, value] of Object.entries(API_REPLY_HEADERS)) c.res.headers.set(name, value);
};

/** The origins ALLOWED_ORIGINS lists; a 500 `misconfigured` naming an entry that is not an origin. */
export function allowedOrigins(list: string | undefined): string[] {
  return (list ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "")
    .map((entry) => {
      let origin: string | null = null;
      try {
        origin = new URL(entry).origin;
      } catch {
        // not a URL: refused below
      }
      if (origin !== entry) throw new ApiError(500, "misconfigured", `ALLOWED_ORIGINS: "${entry}" is not an origin; expected scheme://host[:port] with no path or trailing slash, such as https://lab.example.org`);
      return origin;
    });
}

/** CORS for the origins ALLOWED_ORIGINS lists, and for no other (after app.ts has mapped the environment). */
export const strictCors: MiddlewareHandler<CorsEnv> = async (c, next) => {
  const origin = c.req.header("origin");
  const allowed = origin !== undefined && allowedOrigins(c.env.ALLOWED_ORIGINS).includes(origin);
  const preflight = c.req.method === "OPTIONS" && c.req.header("access-control-request-method") !== undefined;
  if (preflight) {
    if (!allowed) return errorResponse(c, new ApiError(403, "origin_not_allowed", `cross-origin calls from ${origin ?? "(no Origin header)"} are not allowed: the server's ALLOWED_ORIGINS does not list it`));
    return c.body(null, 204, {
      "Access-Control-Allow-Origin": origin,
      "Access-Control-Allow-Methods": CORS_METHODS,
      "Access-Control-Allow-Headers": CORS_REQUEST_HEADERS,
      "Access-Control-Max-Age": PREFLIGHT_MAX_AGE_SECONDS,
      Vary: "Origin",
    });
  }
  await next();
  c.res.headers.append("Vary", "Origin");
  if (allowed) {
    c.res.headers.set("Access-Control-Allow-Origin", origin);
    c.res.headers.set("Access-Control-Expose-Headers", CORS_EXPOSED_HEADERS);
  }
};
