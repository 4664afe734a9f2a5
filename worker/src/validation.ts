/**
 * BOINC-style validation of a unit's results.
 *
 * Deterministic results (backend "wasm-simd": bitwise reproducible, so equal configs give equal
 * results) validate the unit once `quorum` of them, from distinct clients (results are UNIQUE per
 * unit and client), carry the same result digest — SHA-256 of paramsHash and the curves, computed by
 * the API itself (src/config/result-digest.ts), so results agree only if everything they publish
 * agrees: equal parameters with other curves disagree. The unit becomes 'validated' with the first
 * such result and its paramsHash (`validatedHash`, what a visitor re-verifies); results with that
 * digest are 'valid', every other deterministic result 'invalid'. (Results stored before the
 * digest existed have none: they agree by paramsHash among themselves, as they did then.) While
 * they disagree without a quorum, each disagreeing result raises replicas_needed by one
 * (replicas_needed = quorum + results outside the largest agreeing group), so the unit is leased to
 * one more client per disagreement. A unit with more than quorum + 3 deterministic results
 * and still no quorum is 'failed', and its deterministic results 'invalid' (none has a quorum behind it).
 *
 * Results of the tfjs backends ("tfjs-webgpu", "tfjs-wasm") are not bitwise reproducible and never
 * count toward the quorum. They stay 'pending' until the unit is validated, then are compared with
 * the validated result: 'approximate-accepted' when the final train and test accuracies are each
 * within 0.01 (absolute) and the generalization steps are within 2 eval intervals (both null counts
 * as agreeing, one null as not), 'approximate-rejected' otherwise; one arriving after the unit is
 * validated is decided at once. Those of a failed unit stay 'pending': there is no validated run to
 * compare them with.
 *
 * This file is the pure rule (`decide`); validation-store.ts loads a unit's state and applies decisions.
 */
import type { RunMeta, RunSummary } from "../../src/config/run-result.js";

export type Backend = RunMeta["backend"];
export const UNIT_STATUSES = ["pending", "validated", "failed"] as const;
export const RESULT_STATUSES = ["pending", "valid", "invalid", "approximate-accepted", "approximate-rejected"] as const;
export type UnitStatus = (typeof UNIT_STATUSES)[number];
export type ResultStatus = (typeof RESULT_STATUSES)[number];

/** Backends whose results count toward the quorum. */
export const DETERMINISTIC_BACKENDS: readonly Backend[] = ["wasm-simd"];
/**
 * What a lease may be for: a quorum replica (wasm-simd), or a GPU run beside the quorum (tfjs-webgpu,
 * at most the sweep's `gpuReplicas` per unit). A lease's result must come from its backend.
 */
export const LEASE_BACKENDS = ["wasm-simd", "tfjs-webgpu"] as const satisfies readonly Backend[];
export type LeaseBackend = (typeof LEASE_BACKENDS)[number];
export const GPU_BACKEND = "tfjs-webgpu" satisfies LeaseBackend;
/** Disagreeing deterministic results tolerated beyond the quorum before the unit fails. */
export const MAX_EXTRA_RESULTS = 3;
/** Tolerance of a non-deterministic result against the validated one. */
export const APPROXIMATE_TOLERANCE = { finalAccuracy: 0.01, generalizationEvalIntervals: 2 } as const;

/** The deterministic backends as an SQL list literal (constants, not user input). */
export const DETERMINISTIC_SQL = `(${DETERMINISTIC_BACKENDS.map((b) => `'${b}'`).join(", ")})`;

/**
 * SQL counting the unit's results that count toward its quorum: deterministic ones not ruled out
 * (pending or valid). Leasing, the units listing and late results all use this one rule.
 * `unitId` is an SQL expression for the unit's id (a column or a parameter), never user input.
 */
export function countedResultsSql(unitId: string): string {
  return `(SELECT count(*) FROM results r WHERE r.unit_id = ${unitId} AND r.status IN ('pending', 'valid') AND r.backend IN ${DETERMINISTIC_SQL})`;
}

function isDeterministic(backend: string): boolean {
  return (DETERMINISTIC_BACKENDS as readonly string[]).includes(backend);
}

/** What agreeing results share: the result digest (a result stored before it existed: its paramsHash alone). */
function agreementKey(r: ResultRecord): string {
  return r.resultDigest ?? `paramsHash:${r.paramsHash}`;
}

export type SummaryForValidation = Pick<RunSummary, "generalizationStep"> & { final: Pick<RunSummary["final"], "trainAccuracy" | "testAccuracy"> };

export interface UnitState {
  status: UnitStatus;
  quorum: number;
  replicasNeeded: number;
  validatedHash: string | null;
  validatedResultId: string | null;
  evalInterval: number;
}

export interface ResultRecord {
  id: string;
  backend: string;
  paramsHash: string;
  /** The API's result digest; null for results stored before it was computed (migration 0006). */
  resultDigest: string | null;
  status: ResultStatus;
  createdAt: number;
  summary: SummaryForValidation;
}

export interface Decision {
  unit: Pick<UnitState, "status" | "replicasNeeded" | "validatedHash" | "validatedResultId">;
  /** The status of every result. */
  results: Map<string, ResultStatus>;
}

/** What a unit and its results should be, given all of its results. */
export function decide(unit: UnitState, results: readonly ResultRecord[]): Decision {
  const ordered = [...results].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const deterministic = ordered.filter((r) => isDeterministic(r.backend));
  let { status, replicasNeeded, validatedHash, validatedResultId } = unit;

  if (status === "pending") {
    const groups = new Map<string, ResultRecord[]>();
    for (const r of deterministic) groups.set(agreementKey(r), [...(groups.get(agreementKey(r)) ?? []), r]);
    // The digest whose quorum-th result arrived first wins (only matters if results raced).
    let winner: ResultRecord[] | undefined;
    for (const group of groups.values()) {
      if (group.length < unit.quorum) continue;
      if (!winner || ordered.indexOf(group[unit.quorum - 1]) < ordered.indexOf(winner[unit.quorum - 1])) winner = group;
    }
    if (winner) {
      status = "validated";
      validatedHash = winner[0].paramsHash;
      validatedResultId = winner[0].id;
    } else {
      const largest = Math.max(0, ...[...groups.values()].map((g) => g.length));
      replicasNeeded = Math.max(replicasNeeded, unit.quorum + deterministic.length - largest);
      if (deterministic.length > unit.quorum + MAX_EXTRA_RESULTS) status = "failed";
    }
  }

  const reference = status === "validated" ? ordered.find((r) => r.id === validatedResultId) : undefined;
  const statuses = new Map<string, ResultStatus>();
  for (const r of ordered) {
    let next = r.status;
    // A validated unit's results are judged against its validated result (always among them in the store).
    if (reference) {
      if (isDeterministic(r.backend)) next = agreementKey(r) === agreementKey(reference) ? "valid" : "invalid";
      else next = withinTolerance(r.summary, reference.summary, unit.evalInterval) ? "approximate-accepted" : "approximate-rejected";
    } else if (status === "failed" && isDeterministic(r.backend)) next = "invalid";
    statuses.set(r.id, next);
  }
  return { unit: { status, replicasNeeded, validatedHash, validatedResultId }, results: statuses };
}

/** Whether a non-deterministic run agrees with the validated one (APPROXIMATE_TOLERANCE). */
export function withinTolerance(candidate: SummaryForValidation, reference: SummaryForValidation, evalInterval: number): boolean {
  const slack = 1e-9; // 0.01 apart in decimal is not always ≤ 0.01 in binary
  const close = (a: number, b: number) => Math.abs(a - b) <= APPROXIMATE_TOLERANCE.finalAccuracy + slack;
  const a = candidate.generalizationStep, b = reference.generalizationStep;
  const stepsAgree = a === null || b === null ? a === b : Math.abs(a - b) <= APPROXIMATE_TOLERANCE.generalizationEvalIntervals * evalInterval;
  return close(candidate.final.trainAccuracy, reference.final.trainAccuracy) && close(candidate.final.testAccuracy, reference.final.testAccuracy) && stepsAgree;
}
