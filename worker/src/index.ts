/**
 * The grokedge edge API: a Hono app on Cloudflare Workers with D1. Sweeps become leased work units;
 * volunteers' results are validated by quorum and aggregated. Routes live in routes/, one file each.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { AppEnv, Env } from "./env.js";
import { ApiError, errorResponse } from "./errors.js";
import { aggregates } from "./routes/aggregates.js";
import { clients } from "./routes/clients.js";
import { openapi } from "./openapi.js";
import { leases, expireLeases } from "./routes/leases.js";
import { sweeps } from "./routes/sweeps.js";
import { MAX_BODY_BYTES } from "./schema.js";

export const app = new Hono<AppEnv>()
  .use(
    "/api/*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => errorResponse(c, new ApiError(413, "body_too_large", `request bodies are limited to ${MAX_BODY_BYTES} bytes`)),
    }),
  )
  .route("/api/sweeps", sweeps)
  .route("/api/clients", clients)
  .route("/api/leases", leases)
  .route("/api", aggregates)
  .route("/api", openapi);

app.onError((error, c) => {
  if (error instanceof ApiError) return errorResponse(c, error);
  // The JSON validator's "Malformed JSON in request body" arrives as an HTTPException.
  if (error instanceof HTTPException && error.status < 500) return errorResponse(c, new ApiError(error.status, error.status === 400 ? "malformed_json" : "bad_request", error.message));
  console.error(error);
  return errorResponse(c, new ApiError(500, "internal", "internal error"));
});
app.notFound((c) => errorResponse(c, new ApiError(404, "not_found", `no route ${c.req.method} ${new URL(c.req.url).pathname}`)));

/** The typed API, for `hono/client` (worker/src/client.ts). */
export type AppType = typeof app;

export default {
  fetch: app.fetch,
  async scheduled(_event: ScheduledController, env: Env) {
    await expireLeases(env.DB, Date.now());
  },
} satisfies ExportedHandler<Env>;
