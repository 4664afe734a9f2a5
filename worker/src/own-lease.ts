/** The calling client's lease, as progress reports and results read it (routes/leases.ts, results.ts). */
import { ApiError } from "./errors.js";
import type { LeaseBackend, UnitStatus } from "./validation.js";

export interface LeaseRow {
  id: string;
  unit_id: string;
  client_id: string;
  status: "live" | "expired" | "completed";
  /** What the client must train with; its result's meta.backend must be this. */
  backend: LeaseBackend;
  deadline: number;
  /** The last step a progress report gave (null: none yet); a report must go beyond it to renew the lease. */
  progress_step: number | null;
  unit_status: UnitStatus;
  /** The unit's configured steps (progress beyond them is refused). */
  steps: number;
}

/** 404 if there is no lease with this id, 403 if it is another client's. */
export async function ownLease(db: D1Database, id: string, clientId: string): Promise<LeaseRow> {
  const lease = await db
    .prepare("SELECT l.id, l.unit_id, l.client_id, l.status, l.backend, l.deadline, l.progress_step, u.status AS unit_status, json_extract(u.config, '$.steps') AS steps FROM leases l JOIN units u ON u.id = l.unit_id WHERE l.id = ?")
    .bind(id)
    .first<LeaseRow>();
  if (!lease) throw new ApiError(404, "lease_not_found", `no lease with id "${id}"`);
  if (lease.client_id !== clientId) throw new ApiError(403, "not_your_lease", `lease "${id}" belongs to another client`);
  return lease;
}
