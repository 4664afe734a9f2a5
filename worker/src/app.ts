/**
 * The grokedge edge API as a factory (`grokedge/worker`): a Hono app on D1 that sweeps become leased
 * work units in, volunteers' results are validated by quorum in, and aggregates come out of. Mount it
 * in your own Worker with `app.route("/lab", createApp({ bindings: { DB: "LAB_DB" } }))`; index.ts is
 * this repository's own Worker, built on it. Routes live in routes/, one file each.
 *
 * No Workers types appear in what this file exports (the host's bindings are plain records), so its
 * declarations, and the typed client built on them, compile without @cloudflare/workers-types.
 */
import { Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { ClientErrorStatusCode } from "hono/utils/http-status";
import type { Env } from "./env.js";
import { ApiError, errorResponse } from "./errors.js";
import { limitJsonDepth } from "./json-body.js";
import { limitRequests } from "./rate-limit.js";
import { aggregates } from "./routes/aggregates.js";
import { clients } from "./routes/clients.js";
import { openapi } from "./openapi.js";
import { leases } from "./routes/leases.js";
import { runs } from "./routes/runs.js";
import { sweeps } from "./routes/sweeps.js";
import { MAX_BODY_BYTES } from "./schema.js";
import { apiReplyHeaders, strictCors } from "./security-headers.js";

/**
 * What the API reads from its Worker's environment (env.ts): the D1 database, the two secrets, the heartbeat timeout, the lease cap override;
 * the previous token key and token lifetime, the origins allowed by CORS, the rate limits' and lease quota's overrides.
 */
const ROLES = [
  "DB",
  "TOKEN_SECRET",
  "ADMIN_TOKEN",
  "LEASE_SECONDS",
  "MAX_LIVE_LEASES",
  "TOKEN_SECRET_PREVIOUS",
  "TOKEN_DAYS",
  "ALLOWED_ORIGINS",
  "RATE_LIMITS",
  "LEASE_QUOTA",
] as const satisfies readonly (keyof Env)[];
export type BindingRole = (typeof ROLES)[number];

export interface AppOptions {
  /**
   * Which of the host Worker's bindings plays each role, when not the role's own name: for example
   * `{ DB: "LAB_DB", ADMIN_TOKEN: "LAB_ADMIN_TOKEN" }` ([[d1_databases]] binding = "LAB_DB" in wrangler.toml).
   */
  bindings?: Partial<Record<BindingRole, string>>;
  /** The heartbeat timeout in seconds, overriding the LEASE_SECONDS binding (default 120). */
  leaseSeconds?: number;
}

/** The host Worker's environment, whatever its bindings are called. */
export type HostEnv = { Bindings: Record<string, unknown> };

/** Whether the API reads a request's body: not for GET or HEAD, whatever the client sent. */
const readsBody = (method: string) => method !== "GET" && method !== "HEAD";

const limitBodySize = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: (c) => errorResponse(c, new ApiError(413, "body_too_large", `request bodies are limited to ${MAX_BODY_BYTES} bytes`)),
});

export function createApp(options: AppOptions = {}) {
  const names = bindingNames(options.bindings ?? {});
  if (options.leaseSeconds !== undefined && !(Number.isFinite(options.leaseSeconds) && options.leaseSeconds > 0)) {
    throw new TypeError(`createApp: options.leaseSeconds must be a positive number of seconds, got ${options.leaseSeconds}`);
  }
  const app = new Hono<HostEnv>()
    .use("/api/*", apiReplyHeaders)
    .use("/api/*", apiEnvironment(names, options.leaseSeconds))
    .use("/api/*", strictCors)
    // Rate limits before the body is read: a refused request costs one D1 write (rate-limit.ts).
    .use("/api/clients", limitRequests("register"))
    .use("/api/clients/me/token", limitRequests("refreshToken"))
    .use("/api/leases", limitRequests("lease"))
    .use("/api/leases/:id/progress", limitRequests("progress"))
    .use("/api/leases/:id/result", limitRequests("result"))
    // GET and HEAD bodies are never read (and bodyLimit cannot even rebuild such a request: a 500 the fuzzer found).
    .use("/api/*", (c, next) => (readsBody(c.req.method) ? limitBodySize(c, next) : next()))
    .use("/api/*", (c, next) => (readsBody(c.req.method) ? limitJsonDepth(c, next) : next()))
    .route("/api/sweeps", sweeps)
    .route("/api/clients", clients)
    .route("/api/leases", leases)
    .route("/api", aggregates)
    .route("/api", runs)
    .route("/api", openapi);

  app.onError((error, c) => {
    if (error instanceof ApiError) return errorResponse(c, error);
    // The JSON validator's "Malformed JSON in request body" arrives as an HTTPException.
    if (error instanceof HTTPException && error.status >= 400 && error.status < 500) {
      return errorResponse(c, new ApiError(error.status as ClientErrorStatusCode, error.status === 400 ? "malformed_json" : "bad_request", error.message));
    }
    console.error(error);
    return errorResponse(c, new ApiError(500, "internal", "internal error"));
  });
  // Used when the app serves on its own (index.ts); a host app that mounts it answers unknown paths itself.
  app.notFound((c) => errorResponse(c, new ApiError(404, "not_found", `no route ${c.req.method} ${new URL(c.req.url).pathname}`)));
  return app;
}

/** The typed API, for `hono/client` (client.ts). */
export type AppType = ReturnType<typeof createApp>;

/** Each role's binding name: the role's own unless `bindings` names another. */
function bindingNames(bindings: Partial<Record<string, unknown>>): Record<BindingRole, string> {
  const names = Object.fromEntries(ROLES.map((role) => [role, role])) as Record<BindingRole, string>;
  for (const [role, name] of Object.entries(bindings)) {
    if (!(ROLES as readonly string[]).includes(role)) throw new TypeError(`createApp: options.bindings.${role} is not a role; expected one of ${ROLES.join(", ")}`);
    if (typeof name !== "string" || name === "") throw new TypeError(`createApp: options.bindings.${role} must be the name of a binding (a non-empty string), got ${JSON.stringify(name)}`);
    names[role as BindingRole] = name;
  }
  return names;
}

/**
 * The routes read their bindings as `c.env.DB`, `c.env.ADMIN_TOKEN`, … (env.ts). A mounted app runs on
 * the host's environment, whose bindings may be named otherwise: for the API's requests, `c.env` is
 * the API's own view of it, and the host's again afterwards.
 */
function apiEnvironment(names: Record<BindingRole, string>, leaseSeconds: number | undefined): MiddlewareHandler<HostEnv> {
  return async (c, next) => {
    const host = c.env ?? {};
    const db = host[names.DB];
    if (typeof db !== "object" || db === null || typeof (db as { prepare?: unknown }).prepare !== "function") {
      throw new ApiError(500, "misconfigured", `the server has no D1 database bound as ${names.DB} (wrangler.toml: [[d1_databases]] binding = "${names.DB}")`);
    }
    const env = Object.fromEntries(ROLES.map((role) => [role, host[names[role]]])) as Record<BindingRole, unknown>;
    if (leaseSeconds !== undefined) env.LEASE_SECONDS = String(leaseSeconds);
    c.env = env;
    try {
      await next();
    } finally {
      c.env = host;
    }
  };
}
