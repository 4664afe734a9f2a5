/**
 * Progress reports (POST /api/leases/:id/progress). A report renews its lease (deadline: now + the
 * heartbeat timeout) only if its step is beyond the lease's last reported step, so a client that
 * stopped training cannot keep a unit by reporting the same step (issue 14: step 0 renewed a lease
 * forever):
 * - a step beyond the last (any step, for the first report): stored with its metrics, deadline
 *   extended — `{ stop: false, deadline }`;
 * - the same step again (a retried report, or an evaluation at the step a heartbeat just reported):
 *   deadline unchanged, its metrics (if any) stored — `{ stop: false, reason: "step_not_advanced" }`;
 * - a step before the last: 409 `step_backwards`, nothing stored (steps never go backwards);
 * - a lease past its deadline, or a unit that no longer needs it: `{ stop: true, reason }`.
 */
import { ApiError, invalidInput } from "./errors.js";
import { OPEN_UNIT_STATUSES } from "./lease-sql.js";
import type { LeaseRow } from "./own-lease.js";
import type { ProgressReply } from "./schema.js";
import type { CurvePoint } from "../../src/config/run-result.js";

export interface ProgressReport {
  step: number;
  metrics?: CurvePoint;
}

export async function reportProgress(db: D1Database, lease: LeaseRow, { step, metrics }: ProgressReport, leaseMillis: number): Promise<ProgressReply> {
  if (step > lease.steps) throw invalidInput("body", [{ path: "step", message: `must not exceed the unit's ${lease.steps} steps, got ${step}` }]);
  // A GPU run goes on after the unit is validated (it is compared with the validated run), a quorum replica does not.
  if (!OPEN_UNIT_STATUSES[lease.backend].includes(lease.unit_status)) return { stop: true, reason: `unit_${lease.unit_status}` };
  if (lease.status !== "live") return { stop: true, reason: `lease_${lease.status}` };
  requireNotBackwards(lease, step);
  const now = Date.now();
  // Only a lease still within its deadline is extended (one past it is as good as expired), and only by a step beyond the last.
  const extended = await db
    .prepare("UPDATE leases SET deadline = ?, progress_step = ?, progress = ? WHERE id = ? AND status = 'live' AND deadline > ? AND coalesce(progress_step, -1) < ? RETURNING deadline")
    .bind(now + leaseMillis, step, metrics === undefined ? null : JSON.stringify(metrics), lease.id, now, step)
    .first<{ deadline: number }>();
  if (extended) return { stop: false, deadline: extended.deadline };
  // Not extended: read the lease again to say why (a concurrent report may have moved it on meanwhile).
  const current = (await db.prepare("SELECT status, deadline, progress_step FROM leases WHERE id = ?").bind(lease.id).first<Pick<LeaseRow, "status" | "deadline" | "progress_step">>())!;
  if (current.status === "completed") return { stop: true, reason: "lease_completed" };
  if (current.status !== "live" || current.deadline <= now) return { stop: true, reason: "lease_expired" };
  requireNotBackwards(current, step);
  if (metrics !== undefined) await db.prepare("UPDATE leases SET progress = ? WHERE id = ? AND status = 'live' AND progress_step = ?").bind(JSON.stringify(metrics), lease.id, step).run();
  return { stop: false, reason: "step_not_advanced" };
}

function requireNotBackwards(lease: Pick<LeaseRow, "progress_step">, step: number): void {
  if (lease.progress_step !== null && step < lease.progress_step) {
    throw new ApiError(409, "step_backwards", `step ${step} is before this lease's last reported step ${lease.progress_step}: progress never goes backwards`, [
      { path: "step", message: `must be at least ${lease.progress_step}, the last reported step` },
    ]);
  }
}
