/** What bench/gpu.ts asks the benchmark page for, and what the page answers (raw samples; Node does the statistics). */
import type { RunConfigInput } from "../../src/config/run-config.js";

export interface BenchModel {
  name: string;
  config: RunConfigInput;
  /** Untimed steps first, on every side (the first GPU step compiles the shaders). */
  warmupSteps: number;
  /** Steps each timed burst takes at least, on every side (1 where a step takes seconds). */
  minSteps: number;
}

export interface BenchRequest {
  models: BenchModel[];
  rounds: number;
  /** Each burst runs at least this long (and at least minSteps steps). */
  burstMs: number;
  /** Threads of the wasm engine's pool. */
  threads: number;
}

export interface ModelSamples {
  name: string;
  parameterCount: number;
  rowsPerStep: number;
  /** Mean ms per step of each round's burst, per side. */
  gpuMs: number[];
  wasmMs: number[];
  poolMs: number[];
  /** Training loss at the GPU's first and last wait for the device (the GPU really trains). */
  gpuLoss: [number, number];
  gpuSteps: number;
}

export interface BenchReply {
  adapter: string;
  crossOriginIsolated: boolean;
  models: (ModelSamples | { name: string; error: string })[];
}

/** The page's entry point on `window`. */
export interface GpuBenchPage {
  /** The WebGPU adapter the page gets, described, and whether it is a software one (SwiftShader, or a fallback adapter); null without one. */
  probe(): Promise<{ adapter: string; software: boolean } | null>;
  run(request: BenchRequest): Promise<BenchReply>;
}

declare global {
  interface Window {
    grokedgeGpuBench: GpuBenchPage;
  }
}
