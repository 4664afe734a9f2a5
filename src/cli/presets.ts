/**
 * The presets `--preset NAME` names: run configs (train) and sweep specs (sweep create), built from
 * the published setups in src/config/presets.ts.
 */
import { quadraticMlpConfig, quadraticMlpSweep } from "../config/presets.js";
import type { RunConfigInput } from "../config/run-config.js";
import { UsageError } from "./errors.js";

interface Preset<T> {
  /** One line for --help: what it is and where it comes from. */
  description: string;
  build(): T;
}

/** A sweep spec: the body of POST /api/sweeps (validated by the API). */
export interface SweepSpec {
  name: string;
  baseConfig: RunConfigInput;
  axes?: { path: string; values: (number | string | boolean)[] }[];
  seeds: number[];
  quorum?: number;
  phase?: { trainAccuracy?: number; testAccuracy?: number; grokkingDelay?: number };
}

const RUN_PRESETS: Record<string, Preset<RunConfigInput>> = {
  "doshi-2023": {
    description: "quadratic MLP on a + b mod 97, half the pairs, AdamW wd 5, 100 steps (Doshi, Das, He & Gromov 2023; groks near step 44)",
    build: () => quadraticMlpConfig(),
  },
};

const SWEEP_PRESETS: Record<string, Preset<SweepSpec>> = {
  "doshi-2023": {
    description: "the quadratic MLP over weight decay {0, 1, 5, 10} × train fraction {0.3, 0.5, 0.7} × 3 seeds, 300 steps, quorum 2: a phase diagram",
    build: quadraticMlpSweep,
  },
};

function pick<T>(presets: Record<string, Preset<T>>, name: string, kind: string): T {
  const preset = Object.hasOwn(presets, name) ? presets[name] : undefined;
  if (!preset) throw new UsageError(`--preset: no ${kind} preset "${name}"; there are: ${Object.keys(presets).join(", ")}`);
  return preset.build();
}

export const runPreset = (name: string): RunConfigInput => pick(RUN_PRESETS, name, "run");
export const sweepPreset = (name: string): SweepSpec => pick(SWEEP_PRESETS, name, "sweep");

/** "  name  description" lines for --help. */
export function presetList(kind: "run" | "sweep"): string {
  const presets: Record<string, Preset<unknown>> = kind === "run" ? RUN_PRESETS : SWEEP_PRESETS;
  const width = Math.max(...Object.keys(presets).map((n) => n.length));
  return Object.entries(presets)
    .map(([name, p]) => `  ${name.padEnd(width)}  ${p.description}`)
    .join("\n");
}
