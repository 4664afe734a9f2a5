/**
 * Leases (client token): POST /api/leases[?sweep=<id>][&backends=wasm-simd,tfjs-webgpu] hands out the
 * next work unit (which one: lease-sql.ts); POST /api/leases/:id/progress keeps a lease alive;
 * POST /api/leases/:id/result reports the run (see results.ts and validation.ts).
 */
import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import type { RunConfig } from "../../../src/config/run-config.js";
import { requireClient } from "../auth.js";
import type { AppEnv, Env } from "../env.js";
import { ApiError, invalidInput, validationHook } from "../errors.js";
import { expireLeases, LEASE_NEXT_UNIT, OPEN_UNIT_STATUSES } from "../lease-sql.js";
import { ownLease } from "../own-lease.js";
import { submitResult } from "../results.js";
import { leaseQuerySchema, progressSchema, submitResultSchema, type Lease, type ProgressReply } from "../schema.js";
import { GPU_BACKEND, type LeaseBackend } from "../validation.js";

/** How long a lease lives without progress reports. */
export const DEFAULT_LEASE_SECONDS = 600;

export function leaseMillis(env: Env): number {
  const seconds = Number(env.LEASE_SECONDS ?? DEFAULT_LEASE_SECONDS);
  return (Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_LEASE_SECONDS) * 1000;
}

export const leases = new Hono<AppEnv>()
  .post("/", requireClient, zValidator("query", leaseQuerySchema, validationHook), async (c) => {
    const db = c.env.DB;
    const now = Date.now();
    const { sweep, backends } = c.req.valid("query");
    await expireLeases(db, now);
    const offers = (backend: LeaseBackend) => (backends.includes(backend) ? 1 : 0);
    const lease = await db
      .prepare(LEASE_NEXT_UNIT)
      .bind(crypto.randomUUID(), c.var.clientId, now + leaseMillis(c.env), now, sweep ?? null, offers("wasm-simd"), offers(GPU_BACKEND))
      .first<{ id: string; unitId: string; backend: LeaseBackend; deadline: number; config: string }>();
    if (!lease) {
      // No work: for an unknown sweep there never will be, and the volunteer should hear why.
      if (sweep !== undefined && !(await db.prepare("SELECT 1 FROM sweeps WHERE id = ?").bind(sweep).first())) throw new ApiError(404, "sweep_not_found", `no sweep with id "${sweep}"`);
      return c.body(null, 204);
    }
    const { id, unitId, backend, deadline } = lease;
    return c.json({ lease: { id, unitId, deadline, config: JSON.parse(lease.config) as RunConfig, backend } satisfies Lease }, 201);
  })
  .post("/:id/progress", requireClient, zValidator("json", progressSchema, validationHook), async (c) => {
    const db = c.env.DB;
    const { step, metrics } = c.req.valid("json");
    const lease = await ownLease(db, c.req.param("id"), c.var.clientId);
    if (step > lease.steps) throw invalidInput("body", [{ path: "step", message: `must not exceed the unit's ${lease.steps} steps, got ${step}` }]);
    // A GPU run goes on after the unit is validated (it is compared with the validated run), a quorum replica does not.
    if (!OPEN_UNIT_STATUSES[lease.backend].includes(lease.unit_status)) return c.json({ stop: true, reason: `unit_${lease.unit_status}` } satisfies ProgressReply);
    if (lease.status !== "live") return c.json({ stop: true, reason: `lease_${lease.status}` } satisfies ProgressReply);
    const now = Date.now();
    // Only a lease still within its deadline is extended (one past it is as good as expired).
    const extended = await db
      .prepare("UPDATE leases SET deadline = ?, progress_step = ?, progress = ? WHERE id = ? AND status = 'live' AND deadline > ? RETURNING deadline")
      .bind(now + leaseMillis(c.env), step, metrics === undefined ? null : JSON.stringify(metrics), lease.id, now)
      .first<{ deadline: number }>();
    if (!extended) return c.json({ stop: true, reason: "lease_expired" } satisfies ProgressReply);
    return c.json({ stop: false, deadline: extended.deadline } satisfies ProgressReply);
  })
  .post("/:id/result", requireClient, zValidator("json", submitResultSchema, validationHook), async (c) => {
    const lease = await ownLease(c.env.DB, c.req.param("id"), c.var.clientId);
    const { created, result } = await submitResult(c.env.DB, lease, c.req.valid("json"));
    return c.json({ result }, created ? 201 : 200);
  });
