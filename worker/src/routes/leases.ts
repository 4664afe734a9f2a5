/**
 * Leases (client token): POST /api/leases[?sweep=<id>] hands out the next work unit; POST /api/leases/:id/progress
 * keeps a lease alive; POST /api/leases/:id/result reports the run (see results.ts and validation.ts).
 */
import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import type { RunConfig } from "../../../src/config/run-config.js";
import { requireClient } from "../auth.js";
import type { AppEnv, Env } from "../env.js";
import { ApiError, invalidInput, validationHook } from "../errors.js";
import { ownLease } from "../own-lease.js";
import { submitResult } from "../results.js";
import { leaseQuerySchema, progressSchema, submitResultSchema, type Lease, type ProgressReply } from "../schema.js";
import { countedResultsSql } from "../validation.js";

/** How long a lease lives without progress reports. */
export const DEFAULT_LEASE_SECONDS = 600;

export function leaseMillis(env: Env): number {
  const seconds = Number(env.LEASE_SECONDS ?? DEFAULT_LEASE_SECONDS);
  return (Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_LEASE_SECONDS) * 1000;
}

/** Returns live leases past their deadline to the pool; how many expired. */
export async function expireLeases(db: D1Database, now: number): Promise<number> {
  const { meta } = await db.prepare("UPDATE leases SET status = 'expired' WHERE status = 'live' AND deadline <= ?").bind(now).run();
  return meta.changes;
}

/**
 * Picks and leases the next unit in one statement (atomic in SQLite/D1: concurrent requests can
 * never over-lease a unit). A unit is open while its live leases plus its results that count toward
 * the quorum (countedResultsSql) are fewer than replicas_needed; the client must never
 * have leased it nor reported for it. Units one replica short of their quorum go first, then oldest.
 * ?1 lease id, ?2 client id, ?3 deadline, ?4 now, ?5 a sweep id to lease from (NULL: any sweep).
 */
const LEASE_NEXT_UNIT = `
  INSERT INTO leases (id, unit_id, client_id, status, deadline, created_at)
  SELECT ?1, open.id, ?2, 'live', ?3, ?4
  FROM (
    SELECT u.id, u.created_at, u.rowid AS seq,
      u.replicas_needed
        - (SELECT count(*) FROM leases l WHERE l.unit_id = u.id AND l.status = 'live')
        - ${countedResultsSql("u.id")} AS missing
    FROM units u
    WHERE u.status = 'pending'
      AND (?5 IS NULL OR u.sweep_id = ?5)
      AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.unit_id = u.id AND l.client_id = ?2)
      AND NOT EXISTS (SELECT 1 FROM results r WHERE r.unit_id = u.id AND r.client_id = ?2)
  ) open
  WHERE open.missing > 0
  ORDER BY open.missing = 1 DESC, open.created_at, open.seq
  LIMIT 1
  RETURNING id, unit_id AS unitId, deadline, (SELECT config FROM units WHERE units.id = leases.unit_id) AS config`;

export const leases = new Hono<AppEnv>()
  .post("/", requireClient, zValidator("query", leaseQuerySchema, validationHook), async (c) => {
    const db = c.env.DB;
    const now = Date.now();
    const { sweep } = c.req.valid("query");
    await expireLeases(db, now);
    const lease = await db
      .prepare(LEASE_NEXT_UNIT)
      .bind(crypto.randomUUID(), c.var.clientId, now + leaseMillis(c.env), now, sweep ?? null)
      .first<{ id: string; unitId: string; deadline: number; config: string }>();
    if (!lease) {
      // No work: for an unknown sweep there never will be, and the volunteer should hear why.
      if (sweep !== undefined && !(await db.prepare("SELECT 1 FROM sweeps WHERE id = ?").bind(sweep).first())) throw new ApiError(404, "sweep_not_found", `no sweep with id "${sweep}"`);
      return c.body(null, 204);
    }
    return c.json({ lease: { id: lease.id, unitId: lease.unitId, deadline: lease.deadline, config: JSON.parse(lease.config) as RunConfig } satisfies Lease }, 201);
  })
  .post("/:id/progress", requireClient, zValidator("json", progressSchema, validationHook), async (c) => {
    const db = c.env.DB;
    const { step, metrics } = c.req.valid("json");
    const lease = await ownLease(db, c.req.param("id"), c.var.clientId);
    if (step > lease.steps) throw invalidInput("body", [{ path: "step", message: `must not exceed the unit's ${lease.steps} steps, got ${step}` }]);
    if (lease.unit_status !== "pending") return c.json({ stop: true, reason: `unit_${lease.unit_status}` } satisfies ProgressReply);
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
