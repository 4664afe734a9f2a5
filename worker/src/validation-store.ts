/**
 * The SQL of validation: loads a unit and its results, and applies a `decide` decision. A decision is
 * applied only if the unit's result count is still the one it was computed from, so concurrent
 * submissions never leave a decision made from a stale set of results (see revalidate).
 */
import type { RunConfig } from "../../src/config/run-config.js";
import { decide, type Decision, type ResultRecord, type ResultStatus, type SummaryForValidation, type UnitState, type UnitStatus } from "./validation.js";

export interface UnitSnapshot {
  unit: UnitState;
  config: RunConfig;
  results: ResultRecord[];
}

interface UnitRow {
  status: UnitStatus;
  quorum: number;
  replicas_needed: number;
  validated_hash: string | null;
  validated_result_id: string | null;
  config: string;
}

interface ResultRow {
  id: string;
  backend: string;
  params_hash: string;
  result_digest: string | null;
  status: ResultStatus;
  created_at: number;
  summary: string;
}

export async function loadSnapshot(db: D1Database, unitId: string): Promise<UnitSnapshot> {
  const [units, results] = await db.batch([
    db.prepare("SELECT u.status, s.quorum, u.replicas_needed, u.validated_hash, u.validated_result_id, u.config FROM units u JOIN sweeps s ON s.id = u.sweep_id WHERE u.id = ?").bind(unitId),
    db.prepare("SELECT id, backend, params_hash, result_digest, status, created_at, summary FROM results WHERE unit_id = ?").bind(unitId),
  ]);
  const row = (units.results as unknown as UnitRow[])[0];
  if (!row) throw new Error(`no unit ${unitId}`);
  const config = JSON.parse(row.config) as RunConfig;
  const unit: UnitState = { status: row.status, quorum: row.quorum, replicasNeeded: row.replicas_needed, validatedHash: row.validated_hash, validatedResultId: row.validated_result_id, evalInterval: config.evalInterval };
  return { unit, config, results: (results.results as unknown as ResultRow[]).map(resultRecord) };
}

function resultRecord(row: ResultRow): ResultRecord {
  return { id: row.id, backend: row.backend, paramsHash: row.params_hash, resultDigest: row.result_digest, status: row.status, createdAt: row.created_at, summary: JSON.parse(row.summary) as SummaryForValidation };
}

/**
 * Statements applying `decision`, each guarded by "the unit still has `resultCount` results". The
 * first one updates the unit: its `meta.changes` is 1 exactly when the guard held (and so every
 * statement applied), 0 when another result arrived meanwhile.
 */
export function decisionStatements(db: D1Database, unitId: string, resultCount: number, decision: Decision, before: readonly ResultRecord[]): D1PreparedStatement[] {
  const guard = "(SELECT count(*) FROM results WHERE unit_id = ?) = ?";
  const { unit } = decision;
  const statements = [
    db.prepare(`UPDATE units SET status = ?, replicas_needed = ?, validated_hash = ?, validated_result_id = ? WHERE id = ? AND ${guard}`).bind(unit.status, unit.replicasNeeded, unit.validatedHash, unit.validatedResultId, unitId, unitId, resultCount),
  ];
  const previous = new Map(before.map((r) => [r.id, r.status]));
  for (const [id, status] of decision.results) {
    if (previous.get(id) !== status) statements.push(db.prepare(`UPDATE results SET status = ? WHERE id = ? AND ${guard}`).bind(status, id, unitId, resultCount));
  }
  return statements;
}

/**
 * Re-decides a unit from all of its results until a decision applies (each attempt fails only if
 * yet another result arrived, whose own submission then re-decides too). Returns the applied decision.
 */
export async function revalidate(db: D1Database, unitId: string): Promise<Decision> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const { unit, results } = await loadSnapshot(db, unitId);
    const decision = decide(unit, results);
    const [applied] = await db.batch(decisionStatements(db, unitId, results.length, decision, results));
    if (applied.meta.changes === 1) return decision;
  }
  throw new Error(`unit ${unitId}: results kept arriving while validating`);
}
