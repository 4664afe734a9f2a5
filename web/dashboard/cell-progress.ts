/**
 * Where each grid cell's units stand, from GET /api/sweeps/:id/units, by the same five states as
 * the sweep's counts (worker/src/routes/sweeps.ts): leased (pending, a live lease), awaiting quorum
 * (pending, no live lease, a result still pending), pending (neither), validated, failed. Pure.
 */
import { cellKey } from "./heatmap-layout.js";
import type { UnitCounts, UnitListing } from "./types.js";

export type UnitState = keyof UnitCounts;

export function unitState(unit: UnitListing, now: number): UnitState {
  if (unit.status !== "pending") return unit.status;
  if (unit.leases.some((lease) => lease.status === "live" && lease.deadline > now)) return "leased";
  if (unit.results.some((result) => result.status === "pending")) return "awaitingQuorum";
  return "pending";
}

/** Unit counts by state, per cell (keyed by cellKey). */
export function cellProgress(units: readonly UnitListing[], now: number): Map<string, UnitCounts> {
  const byCell = new Map<string, UnitCounts>();
  for (const unit of units) {
    const key = cellKey(unit.cell);
    const counts = byCell.get(key) ?? { pending: 0, leased: 0, awaitingQuorum: 0, validated: 0, failed: 0 };
    counts[unitState(unit, now)] += 1;
    byCell.set(key, counts);
  }
  return byCell;
}

/** Units neither validated nor failed: the cell is still running. */
export function unfinished(counts: UnitCounts): number {
  return counts.pending + counts.leased + counts.awaitingQuorum;
}
