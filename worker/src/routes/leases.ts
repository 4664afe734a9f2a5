/**
 * Leases (client token): POST /api/leases[?sweep=<id>] hands out the next work unit; POST /api/leases/:id/progress
 * keeps a lease alive; POST /api/leases/:id/result reports the run (see results.ts and validation.ts).
 */
import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { z } from "zod";
import { requireClient } from "../auth.js";
import type { AppEnv, Env } from "../env.js";
import { ApiError, validationHook } from "../errors.js";
import { submitResult } from "../results.js";
import { progressSchema, submitResultSchema } from "../schema.js";
import { DETERMINISTIC_SQL } from "../validation.js";

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
 * the quorum (deterministic, pending or valid) are fewer than replicas_needed; the client must never
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
        - (SELECT count(*) FROM results r WHERE r.unit_id = u.id AND r.status IN ('pending', 'valid') AND r.backend IN ${DETERMINISTIC_SQL}) AS missing
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

/** `?sweep=<id>`: only work of that sweep (a volunteer page for one study). */
const leaseQuerySchema = z.strictObject({ sweep: z.string().min(1).max(100).optional() });

interface LeaseRow {
  id: string;
  unit_id: string;
  client_id: string;
  status: "live" | "expired" | "completed";
  deadline: number;
  unit_status: "pending" | "validated" | "failed";
}

/** A lease of the calling client: 404 if there is none with this id, 403 if it is another client's. */
async function ownLease(db: D1Database, id: string, clientId: string): Promise<LeaseRow> {
  const lease = await db.prepare("SELECT l.id, l.unit_id, l.client_id, l.status, l.deadline, u.status AS unit_status FROM leases l JOIN units u ON u.id = l.unit_id WHERE l.id = ?").bind(id).first<LeaseRow>();
  if (!lease) throw new ApiError(404, "lease_not_found", `no lease with id "${id}"`);
  if (lease.client_id !== clientId) throw new ApiError(403, "not_your_lease", `lease "${id}" belongs to another client`);
  return lease;
}

export const leases = new Hono<AppEnv>()
  .post("/", requireClient, zValidator("query", leaseQuerySchema, validationHook), async (c) => {
    const db = c.env.DB;
    const now = Date.now();
    await expireLeases(db, now);
    const lease = await db
      .prepare(LEASE_NEXT_UNIT)
      .bind(crypto.randomUUID(), c.var.clientId, now + leaseMillis(c.env), now, c.req.valid("query").sweep ?? null)
      .first<{ id: string; unitId: string; deadline: number; config: string }>();
    if (!lease) return c.body(null, 204);
    return c.json({ lease: { id: lease.id, unitId: lease.unitId, deadline: lease.deadline, config: JSON.parse(lease.config) } }, 201);
  })
  .post("/:id/progress", requireClient, zValidator("json", progressSchema, validationHook), async (c) => {
    const db = c.env.DB;
    const { step, metrics } = c.req.valid("json");
    const lease = await ownLease(db, c.req.param("id"), c.var.clientId);
    if (lease.unit_status !== "pending") return c.json({ stop: true, reason: `unit_${lease.unit_status}` });
    if (lease.status !== "live") return c.json({ stop: true, reason: `lease_${lease.status}` });
    const now = Date.now();
    // Only a lease still within its deadline is extended (one past it is as good as expired).
    const extended = await db
      .prepare("UPDATE leases SET deadline = ?, progress_step = ?, progress = ? WHERE id = ? AND status = 'live' AND deadline > ? RETURNING deadline")
      .bind(now + leaseMillis(c.env), step, metrics === undefined ? null : JSON.stringify(metrics), lease.id, now)
      .first<{ deadline: number }>();
    if (!extended) return c.json({ stop: true, reason: "lease_expired" });
    return c.json({ stop: false, deadline: extended.deadline });
  })
  .post("/:id/result", requireClient, zValidator("json", submitResultSchema, validationHook), async (c) => {
    const lease = await ownLease(c.env.DB, c.req.param("id"), c.var.clientId);
    const { created, result } = await submitResult(c.env.DB, lease, c.req.valid("json"));
    return c.json({ result }, created ? 201 : 200);
  });
