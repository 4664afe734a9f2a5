/**
 * The sweep endpoints the CLI reads, with the shapes of their replies (worker/src/routes/sweeps.ts
 * and aggregates.ts; the CLI cannot import the Worker's types, so the fields it uses are listed here).
 */
import type { CliApi } from "./api.js";

export type AxisValue = number | string | boolean;

export interface UnitCounts {
  pending: number;
  leased: number;
  awaitingQuorum: number;
  validated: number;
  failed: number;
}

export interface SweepSummary {
  id: string;
  name: string;
  quorum: number;
  createdAt: number;
  units: number;
  counts: UnitCounts;
}

export interface SweepDetail extends SweepSummary {
  axes: { path: string; values: AxisValue[] }[];
  seeds: number[];
  phase: { trainAccuracy: number; testAccuracy: number; grokkingDelay: number };
  /** Results by status: pending, valid, invalid, approximate-accepted, approximate-rejected. */
  results: Record<string, number>;
}

export const PHASES = ["comprehension", "grokking", "memorization", "confusion"] as const;
export type Phase = (typeof PHASES)[number];

export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export interface CellAggregate {
  cell: AxisValue[];
  seeds: number;
  validated: number;
  phase: Phase | null;
  phaseCounts: Record<Phase, number>;
  metrics: Record<string, Spread | null>;
}

export interface Aggregates {
  sweep: { id: string; name: string };
  axes: string[];
  cells: CellAggregate[];
}

const sweepPath = (id: string) => `/api/sweeps/${encodeURIComponent(id)}`;

export async function listSweeps(api: CliApi): Promise<SweepSummary[]> {
  return (await api.get<{ sweeps: SweepSummary[] }>("/api/sweeps")).sweeps;
}

export async function getSweep(api: CliApi, id: string): Promise<SweepDetail> {
  return (await api.get<{ sweep: SweepDetail }>(sweepPath(id))).sweep;
}

export async function getAggregates(api: CliApi, id: string): Promise<Aggregates> {
  return api.get<Aggregates>(`${sweepPath(id)}/aggregates`);
}

export async function getAggregatesCsv(api: CliApi, id: string): Promise<string> {
  return api.getText(`${sweepPath(id)}/aggregates?format=csv`);
}

/** Units still to finish: pending, leased or awaiting their quorum. */
export function unfinished(counts: UnitCounts): number {
  return counts.pending + counts.leased + counts.awaitingQuorum;
}
