/**
 * Leases (client token): POST /api/leases[?sweep=<id>][&backends=wasm-simd,tfjs-webgpu] hands out the
 * next work unit (which one: lease-sql.ts), at most the client's cap of live leases at once
 * (lease-cap-rule.ts), once per Idempotency-Key (lease-idempotency.ts); POST /api/leases/:id/progress keeps
 * a lease alive while its step advances (lease-progress.ts); POST /api/leases/:id/result reports the
 * run (see results.ts and validation.ts).
 */
import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import type { RunConfig } from "../../../src/config/run-config.js";
import { requireClient } from "../auth.js";
import type { AppEnv, Env } from "../env.js";
import { ApiError, errorResponse, validationHook } from "../errors.js";
import { leaseCapOf, liveLeasesOf } from "../lease-cap.js";
import { leaseCapReached } from "../lease-cap-rule.js";
import { IDEMPOTENCY_HEADER, idempotencyKeyOf, isKeyConflict, leaseOfKey } from "../lease-idempotency.js";
import { reportProgress } from "../lease-progress.js";
import { expireLeases, LEASE_NEXT_UNIT } from "../lease-sql.js";
import { ownLease } from "../own-lease.js";
import { submitResult } from "../results.js";
import { leaseQuerySchema, progressSchema, submitResultSchema, type Lease } from "../schema.js";
import { GPU_BACKEND, type LeaseBackend } from "../validation.js";

/**
 * The heartbeat timeout: how long a lease lives without a progress report that advances its step;
 * then its unit is reissued. The volunteer protocol reports at every evaluation and, between them,
 * every 30 s (src/client/volunteer.ts DEFAULT_TIMING.heartbeatMs), well inside it.
 */
export const DEFAULT_LEASE_SECONDS = 120;

export function leaseMillis(env: Env): number {
  const seconds = Number(env.LEASE_SECONDS ?? DEFAULT_LEASE_SECONDS);
  return (Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_LEASE_SECONDS) * 1000;
}

export const leases = new Hono<AppEnv>()
  .post("/", requireClient, zValidator("query", leaseQuerySchema, validationHook), async (c) => {
    const db = c.env.DB;
    const clientId = c.var.clientId;
    const { sweep, backends } = c.req.valid("query");
    const key = idempotencyKeyOf(c.req.header(IDEMPOTENCY_HEADER));
    const now = Date.now();
    await expireLeases(db, now);
    // A retry of a request that already leased: the same lease again, before any cap (it holds no new slot).
    const earlier = key === null ? null : await leaseOfKey(db, clientId, key);
    if (earlier) return c.json({ lease: earlier }, 200);
    const cap = await leaseCapOf(db, c.env, clientId);
    const offers = (backend: LeaseBackend) => (backends.includes(backend) ? 1 : 0);
    let lease;
    try {
      lease = await db
        .prepare(LEASE_NEXT_UNIT)
        .bind(crypto.randomUUID(), clientId, now + leaseMillis(c.env), now, sweep ?? null, offers("wasm-simd"), offers(GPU_BACKEND), cap.limit, key)
        .first<{ id: string; unitId: string; backend: LeaseBackend; deadline: number; config: string }>();
    } catch (error) {
      // A concurrent request with the same key leased first: answer its lease.
      const raced = key !== null && isKeyConflict(error) ? await leaseOfKey(db, clientId, key) : null;
      if (raced) return c.json({ lease: raced }, 200);
      throw error;
    }
    if (!lease) {
      // A concurrent request with the same key may have leased first, and so filled the cap: answer its lease.
      const raced = key === null ? null : await leaseOfKey(db, clientId, key);
      if (raced) return c.json({ lease: raced }, 200);
      const { live, earliestDeadline } = await liveLeasesOf(db, clientId);
      if (live >= cap.limit) {
        const { error, retryAfterSeconds } = leaseCapReached(cap, live, earliestDeadline, now);
        c.header("Retry-After", String(retryAfterSeconds));
        return errorResponse(c, error);
      }
      // No work: for an unknown sweep there never will be, and the volunteer should hear why.
      if (sweep !== undefined && !(await db.prepare("SELECT 1 FROM sweeps WHERE id = ?").bind(sweep).first())) throw new ApiError(404, "sweep_not_found", `no sweep with id "${sweep}"`);
      return c.body(null, 204);
    }
    const { id, unitId, backend, deadline } = lease;
    return c.json({ lease: { id, unitId, deadline, config: JSON.parse(lease.config) as RunConfig, backend } satisfies Lease }, 201);
  })
  .post("/:id/progress", requireClient, zValidator("json", progressSchema, validationHook), async (c) => {
    const lease = await ownLease(c.env.DB, c.req.param("id"), c.var.clientId);
    return c.json(await reportProgress(c.env.DB, lease, c.req.valid("json"), leaseMillis(c.env)));
  })
  .post("/:id/result", requireClient, zValidator("json", submitResultSchema, validationHook), async (c) => {
    const lease = await ownLease(c.env.DB, c.req.param("id"), c.var.clientId);
    const { created, result } = await submitResult(c.env.DB, lease, c.req.valid("json"));
    return c.json({ result }, created ? 201 : 200);
  });
