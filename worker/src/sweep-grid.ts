/**
 * A sweep's grid: the cartesian product of its axis values × its seeds, one run config per unit.
 * Each unit's config is the base config with every axis path set and `seed` set, validated by
 * `parseRunConfig` (defaults filled in: the stored config is the one volunteers must echo back).
 *
 * An axis may only set a field whose parent object exists in the base config: intermediate objects
 * are never created. The leaf itself may be new (an optional field such as `constrainNorm`); the run
 * config schema is strict, so a misspelled leaf is refused by `parseRunConfig`.
 *
 * A unit whose run would make more than MAX_EVALUATIONS_PER_UNIT evaluations is refused up front:
 * its result (one curve point per evaluation) would not fit in a request, and every volunteer's
 * work on it would end in a 413.
 *
 * structuredClone and parseRunConfig recurse once per nesting level of the base config: its depth is
 * bounded before it gets here (json-body.ts refuses a body nested over MAX_JSON_DEPTH levels; one
 * nested 3000 levels once overflowed the stack here).
 */
import { parseRunConfig, RunConfigError, type RunConfig } from "../../src/config/run-config.js";
import { evaluationCount } from "../../src/engine/run-plan.js";
import { ApiError, type ApiIssue } from "./errors.js";
import { MAX_EVALUATIONS_PER_UNIT, MAX_UNITS_PER_SWEEP, type CreateSweep } from "./schema.js";

type AxisValue = CreateSweep["axes"][number]["values"][number];

export interface GridUnit {
  /** The axis values of this cell, in axis order. */
  cell: AxisValue[];
  seed: number;
  config: RunConfig;
}

/** How many units a sweep has, without building them. */
export function unitCount(sweep: Pick<CreateSweep, "axes" | "seeds">): number {
  return sweep.axes.reduce((n, axis) => n * axis.values.length, 1) * sweep.seeds.length;
}

/** Every unit of the sweep, or an ApiError (400) naming the axis path, the value and the config issue. */
export function expandGrid(sweep: Pick<CreateSweep, "baseConfig" | "axes" | "seeds">): GridUnit[] {
  const count = unitCount(sweep);
  if (count > MAX_UNITS_PER_SWEEP) {
    const shape = [...sweep.axes.map((a) => `${a.values.length} (${a.path})`), `${sweep.seeds.length} seeds`].join(" × ");
    throw new ApiError(400, "too_many_units", `the sweep would have ${count} units (${shape}); at most ${MAX_UNITS_PER_SWEEP} are allowed`);
  }
  const units: GridUnit[] = [];
  for (const cell of cartesian(sweep.axes.map((a) => a.values))) {
    const config = structuredClone(sweep.baseConfig) as Record<string, unknown>;
    sweep.axes.forEach((axis, i) => setPath(config, axis.path, cell[i]));
    for (const seed of sweep.seeds) {
      config.seed = seed;
      const parsed = parseCell(config, sweep.axes, cell, seed);
      requireResultFits(parsed, sweep.axes, cell);
      units.push({ cell, seed, config: parsed });
    }
  }
  return units;
}

/** 400 naming the axis that sets steps or evalInterval, else the base config's evalInterval. */
function requireResultFits(config: RunConfig, axes: CreateSweep["axes"], cell: AxisValue[]): void {
  const evaluations = evaluationCount(config);
  if (evaluations <= MAX_EVALUATIONS_PER_UNIT) return;
  const blamed = axes.findIndex((a) => a.path === "steps" || a.path === "evalInterval");
  const field = blamed >= 0 ? `axes.${axes[blamed].path}` : "baseConfig.evalInterval";
  const where = blamed >= 0 ? `axis "${axes[blamed].path}" value ${JSON.stringify(cell[blamed])}` : "the base config";
  const message = `${where} gives a run of ${config.steps} steps evaluated every ${config.evalInterval}: ${evaluations} evaluations, more than the ${MAX_EVALUATIONS_PER_UNIT} a result can carry (one curve point each); raise evalInterval`;
  throw new ApiError(400, "too_many_evaluations", message, [{ path: field, message: `${evaluations} evaluations; at most ${MAX_EVALUATIONS_PER_UNIT}` }]);
}

function parseCell(config: unknown, axes: CreateSweep["axes"], cell: AxisValue[], seed: number): RunConfig {
  try {
    return parseRunConfig(config);
  } catch (error) {
    if (!(error instanceof RunConfigError)) throw error;
    const issues: ApiIssue[] = error.issues; // paths inside the unit's run config
    const described = issues.map((i) => `${i.path || "(config)"}: ${i.message}`).join("; ");
    // Blame the axis whose path the first issue is at (or inside); otherwise the whole cell.
    const blamed = issues
      .map((issue) => axes.findIndex((a) => issue.path === a.path || issue.path.startsWith(`${a.path}.`) || issue.path.startsWith(`${a.path}[`)))
      .find((index) => index >= 0);
    const message =
      blamed !== undefined
        ? `axis "${axes[blamed].path}" value ${JSON.stringify(cell[blamed])} gives an invalid run config: ${described}`
        : axes.length > 0
          ? `the grid cell ${axes.map((a, i) => `${a.path}=${JSON.stringify(cell[i])}`).join(", ")} (seed ${seed}) gives an invalid run config: ${described}`
          : `the base config (seed ${seed}) is not a valid run config: ${described}`;
    throw new ApiError(400, "invalid_unit_config", message, issues);
  }
}

/** Sets `path` (dotted) in `target`; every object on the way must already exist. */
function setPath(target: Record<string, unknown>, path: string, value: AxisValue): void {
  const keys = path.split(".");
  let node = target;
  for (let i = 0; i < keys.length - 1; i++) {
    const next = node[keys[i]];
    if (typeof next !== "object" || next === null || Array.isArray(next)) {
      const prefix = keys.slice(0, i + 1).join(".");
      throw new ApiError(400, "invalid_axis_path", `axis "${path}": "${prefix}" is not an object in the base config (axes set existing fields or optional leaves; they never create objects)`, [
        { path: `axes.${path}`, message: `"${prefix}" is not an object in the base config` },
      ]);
    }
    node = next as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}

function* cartesian<T>(lists: T[][]): Generator<T[]> {
  if (lists.length === 0) {
    yield [];
    return;
  }
  const [first, ...rest] = lists;
  for (const value of first) for (const tail of cartesian(rest)) yield [value, ...tail];
}
