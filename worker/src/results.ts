/**
 * Storing a volunteer's result for its lease, and validating the unit in the same batch.
 *
 * - Idempotent: a client's second post for a unit answers the stored result's verdict (UNIQUE(unit_id,
 *   client_id) guarantees it is stored once even when the posts race).
 * - The reported config must equal the unit's (deep equality of the parsed configs), its
 *   meta.backend the lease's backend, and the result must agree with the config and with itself
 *   (result-consistency.ts). The summary stored is the one the API derives there, with the result
 *   digest it computed: the quorum compares that digest (validation.ts).
 * - A result for an expired lease is taken only while the unit still needs replicas of its backend
 *   (lease-sql.ts), else 409.
 */
import { flopsExecuted, planRun } from "../../src/engine/run-plan.js";
import { ApiError } from "./errors.js";
import { firstDifference } from "./json-difference.js";
import { expireLeases, openSlotsSql } from "./lease-sql.js";
import type { LeaseRow } from "./own-lease.js";
import { verifiedSummary } from "./result-consistency.js";
import type { ResultVerdict, SubmitResult } from "./schema.js";
import { decide, type ResultRecord, type ResultStatus, type UnitStatus } from "./validation.js";
import { decisionStatements, loadSnapshot, revalidate } from "./validation-store.js";

export async function submitResult(db: D1Database, lease: LeaseRow, body: SubmitResult): Promise<{ created: boolean; result: ResultVerdict }> {
  const stored = await storedVerdict(db, lease.unit_id, lease.client_id);
  if (stored) return { created: false, result: stored };

  const { result, timings } = body;
  const snapshot = await loadSnapshot(db, lease.unit_id);
  // The stored config was validated when the sweep was created; the body's by the route's schema.
  const difference = firstDifference(snapshot.config, result.config, "config");
  if (difference !== null) {
    throw new ApiError(400, "config_mismatch", `result.${difference} differs from the leased unit's config: a result must be for exactly the config it was leased`, [
      { path: `result.${difference}`, message: "differs from the leased unit's config" },
    ]);
  }
  if (result.meta.backend !== lease.backend) {
    const message = `must be the lease's backend "${lease.backend}", got "${result.meta.backend}"`;
    throw new ApiError(400, "backend_mismatch", `result.meta.backend ${message}: a unit leased for ${lease.backend} must be trained with it`, [{ path: "result.meta.backend", message }]);
  }
  // Parameter count and FLOPs come from the engine's plan for the config, never from the report.
  const plan = planRun(snapshot.config);
  const summary = await verifiedSummary(result, plan);

  const now = Date.now();
  if (!(lease.status === "live" && lease.deadline > now)) await requireOpenSlot(db, lease, now);

  const record: ResultRecord = { id: crypto.randomUUID(), backend: result.meta.backend, paramsHash: summary.paramsHash, resultDigest: summary.resultDigest, status: "pending", createdAt: now, summary };
  const all = [...snapshot.results, record];
  const decision = decide(snapshot.unit, all);
  const statements = [
    db
      .prepare(
        "INSERT INTO results (id, unit_id, lease_id, client_id, backend, engine_version, params_hash, result_digest, summary, curves, meta, timings, flops, status, created_at) " +
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
      )
      .bind(
        record.id,
        lease.unit_id,
        lease.id,
        lease.client_id,
        result.meta.backend,
        result.meta.engineVersion,
        summary.paramsHash,
        summary.resultDigest,
        JSON.stringify(summary),
        JSON.stringify(result.curves),
        JSON.stringify(result.meta),
        JSON.stringify(timings),
        flopsExecuted(plan, summary.stepsRun, result.curves.length),
        now,
      ),
    db.prepare("UPDATE leases SET status = 'completed' WHERE id = ?").bind(lease.id),
    ...decisionStatements(db, lease.unit_id, all.length, decision, all),
  ];
  let applied;
  try {
    applied = await db.batch(statements); // one transaction: stored and validated, or nothing
  } catch (error) {
    // The same client's concurrent post won the UNIQUE (unit_id, client_id) race: answer its verdict.
    const raced = /UNIQUE constraint failed/i.test(String(error)) ? await storedVerdict(db, lease.unit_id, lease.client_id) : null;
    if (raced) return { created: false, result: raced };
    throw error;
  }
  // Another result for the unit landed between our snapshot and our batch: decide again from all of them.
  const final = applied[2].meta.changes === 1 ? decision : await revalidate(db, lease.unit_id);
  return { created: true, result: { id: record.id, status: final.results.get(record.id) ?? "pending", unit: { id: lease.unit_id, status: final.unit.status } } };
}

async function storedVerdict(db: D1Database, unitId: string, clientId: string): Promise<ResultVerdict | null> {
  const row = await db
    .prepare("SELECT r.id, r.status, u.status AS unit_status FROM results r JOIN units u ON u.id = r.unit_id WHERE r.unit_id = ? AND r.client_id = ?")
    .bind(unitId, clientId)
    .first<{ id: string; status: ResultStatus; unit_status: UnitStatus }>();
  return row && { id: row.id, status: row.status, unit: { id: unitId, status: row.unit_status } };
}

/** A late result (its lease expired) is still welcome while the unit needs more replicas of its backend than it has under way. */
async function requireOpenSlot(db: D1Database, lease: LeaseRow, now: number): Promise<void> {
  await expireLeases(db, now); // this one among them: it no longer holds a slot, and nor do others past their deadline
  // The unit exists: ownLease read the lease joined to it.
  const unit = (await db.prepare(openSlotsSql(lease.backend)).bind(lease.unit_id).first<{ status: UnitStatus; open_status: number; missing: number }>())!;
  if (unit.open_status === 1 && unit.missing > 0) return;
  const why = unit.open_status === 1 ? "other volunteers have taken its remaining replicas" : `the unit is already ${unit.status}`;
  throw new ApiError(409, "too_late", `too late: lease "${lease.id}" expired at ${new Date(lease.deadline).toISOString()} and ${why}`);
}
