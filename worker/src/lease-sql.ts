/**
 * The SQL of leasing: which units are open to which kind of lease, picking the next unit, expiring
 * leases. Leasing (routes/leases.ts) and late results (results.ts) share these rules.
 *
 * A lease is for one backend (validation.ts LEASE_BACKENDS):
 * - a quorum replica (wasm-simd): the unit is pending and its live wasm-simd leases plus its results
 *   that count toward the quorum (countedResultsSql) are fewer than replicas_needed;
 * - a GPU run (tfjs-webgpu): the unit is pending or validated (never failed: there is no validated
 *   run to compare a GPU run with) and its GPU results plus live GPU leases are fewer than its
 *   sweep's gpu_replicas (0: never).
 * GPU leases never occupy a quorum slot, and quorum replicas never a GPU slot.
 */
import { countedResultsSql, GPU_BACKEND, type LeaseBackend, type UnitStatus } from "./validation.js";

/** The unit states in which a lease for each backend is worth computing (leasing, progress, late results). */
export const OPEN_UNIT_STATUSES: Record<LeaseBackend, readonly UnitStatus[]> = {
  "wasm-simd": ["pending"],
  "tfjs-webgpu": ["pending", "validated"],
};

/** Whether unit `u` (in SQL) is in a state open to `backend`. */
function openStatusSql(backend: LeaseBackend): string {
  return `u.status IN (${OPEN_UNIT_STATUSES[backend].map((s) => `'${s}'`).join(", ")})`;
}

/**
 * How many more `backend` leases unit `u` (in SQL; for a GPU lease, of sweep `s`) can take. Callers
 * expire leases first (expireLeases), so every 'live' lease counts. Live leases are looked up by
 * unit (leases_by_unit): a condition on their deadline here would let SQLite scan every live lease
 * of every sweep by leases_live_deadline instead, for each unit.
 */
function missingSql(backend: LeaseBackend): string {
  const live = `(SELECT count(*) FROM leases l WHERE l.unit_id = u.id AND l.status = 'live' AND l.backend = '${backend}')`;
  return backend === GPU_BACKEND
    ? `s.gpu_replicas - ${live} - (SELECT count(*) FROM results r WHERE r.unit_id = u.id AND r.backend = '${GPU_BACKEND}')`
    : `u.replicas_needed - ${live} - ${countedResultsSql("u.id")}`;
}

/** Returns live leases past their deadline to the pool; how many expired. */
export async function expireLeases(db: D1Database, now: number): Promise<number> {
  const { meta } = await db.prepare("UPDATE leases SET status = 'expired' WHERE status = 'live' AND deadline <= ?").bind(now).run();
  return meta.changes;
}

/**
 * The open units of one backend, as rows of the union LEASE_NEXT_UNIT picks from; `offered` is its
 * parameter (1: the client offers it). Quorum replicas need no sweep columns; GPU runs only units of
 * sweeps with gpu_replicas > 0.
 */
function candidates(backend: LeaseBackend, offered: string): string {
  const sweeps = backend === GPU_BACKEND ? "JOIN sweeps s ON s.id = u.sweep_id AND s.gpu_replicas > 0" : "";
  return `
    SELECT u.id, '${backend}' AS backend, u.created_at, u.lease_order, u.rowid AS seq, ${missingSql(backend)} AS missing
    FROM units u ${sweeps}
    WHERE ${offered} AND ${openStatusSql(backend)}
      AND (?5 IS NULL OR u.sweep_id = ?5)
      AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.unit_id = u.id AND l.client_id = ?2)
      AND NOT EXISTS (SELECT 1 FROM results r WHERE r.unit_id = u.id AND r.client_id = ?2)`;
}

/**
 * Picks and leases the next unit in one statement (atomic in SQLite/D1: concurrent requests can never
 * over-lease a unit, nor take a client past its cap). The client must never have leased the unit nor
 * reported for it, and must hold fewer live leases than its cap (lease-cap-rule.ts). Among the open
 * units of the backends the client offers: GPU work first (only GPU clients can do it; anyone can do
 * wasm-simd work), then units one replica short (of their quorum, or of their GPU runs), then older
 * sweeps, then the sweep's coarse-to-fine order (units.lease_order, coarse-to-fine.ts), then creation.
 * ?1 lease id, ?2 client id, ?3 deadline, ?4 now, ?5 a sweep id to lease from (NULL: any sweep),
 * ?6 1 if the client offers wasm-simd, ?7 1 if it offers tfjs-webgpu, ?8 the client's cap of live
 * leases, ?9 the request's Idempotency-Key (NULL: none; lease-idempotency.ts).
 */
export const LEASE_NEXT_UNIT = `
  INSERT INTO leases (id, unit_id, client_id, backend, status, deadline, created_at, idempotency_key)
  SELECT ?1, open.id, ?2, open.backend, 'live', ?3, ?4, ?9
  FROM (${candidates("wasm-simd", "?6")}
    UNION ALL${candidates(GPU_BACKEND, "?7")}
  ) open
  WHERE open.missing > 0
    AND (SELECT count(*) FROM leases mine WHERE mine.client_id = ?2 AND mine.status = 'live') < ?8
  ORDER BY open.backend = '${GPU_BACKEND}' DESC, open.missing = 1 DESC, open.created_at, open.lease_order, open.seq
  LIMIT 1
  RETURNING id, unit_id AS unitId, backend, deadline, (SELECT config FROM units WHERE units.id = leases.unit_id) AS config`;

/**
 * Whether the unit of a late result (its lease expired, and expireLeases marked it so) is still open
 * to the lease's backend, and how many more leases of it the unit can take. ?1 unit id.
 */
export function openSlotsSql(backend: LeaseBackend): string {
  return `SELECT u.status, ${openStatusSql(backend)} AS open_status, ${missingSql(backend)} AS missing FROM units u JOIN sweeps s ON s.id = u.sweep_id WHERE u.id = ?1`;
}
