/**
 * The API replies the dashboard reads. Run configs, phase thresholds, the runs of GET
 * /api/sweeps/:id/runs and the aggregates' cells are the API's own types, imported; the sweep
 * listings and the units have no exported type there, so they are spelled out here, field for field
 * as worker/src/routes/sweeps.ts builds them (only the fields the dashboard reads).
 */
import type { RunConfig } from "../../src/config/run-config.js";
import type { RunMeta } from "../../src/config/run-result.js";
import type { CellAggregate } from "../../worker/src/aggregate/cells.js";
import type { PhaseThresholds, SweepRun, SweepRunsReply } from "../../worker/src/schema.js";

export type AxisValue = number | string | boolean;
export type Backend = RunMeta["backend"];

/** Units by state; each unit is in exactly one (GET /api/sweeps). */
export interface UnitCounts {
  pending: number;
  leased: number;
  awaitingQuorum: number;
  validated: number;
  failed: number;
}

/** One sweep of GET /api/sweeps. */
export interface SweepSummary {
  id: string;
  name: string;
  quorum: number;
  createdAt: number;
  units: number;
  counts: UnitCounts;
}

export interface SweepAxis {
  path: string;
  values: AxisValue[];
}

/** GET /api/sweeps/:id. */
export interface SweepDetail extends SweepSummary {
  baseConfig: Record<string, unknown>;
  axes: SweepAxis[];
  seeds: number[];
  phase: PhaseThresholds;
  /** GPU (tfjs-webgpu) results collected per unit beside the quorum. */
  gpuReplicas: number;
  /** Results by status. */
  results: Record<string, number>;
}

/** GET /api/sweeps/:id/aggregates (JSON). */
export interface AggregatesReply {
  sweep: { id: string; name: string };
  axes: string[];
  thresholds: PhaseThresholds;
  cells: CellAggregate[];
}

/** One run behind a sweep's published results, and the reply of GET /api/sweeps/:id/runs. */
export type Run = SweepRun;
export type RunsReply = SweepRunsReply;

/** One unit of GET /api/sweeps/:id/units, the fields the dashboard uses. */
export interface UnitListing {
  id: string;
  cell: AxisValue[];
  seed: number;
  config: RunConfig;
  status: "pending" | "validated" | "failed";
  validatedHash: string | null;
  leases: { status: string; deadline: number; progressStep: number | null }[];
  results: { status: string; backend: string }[];
}
