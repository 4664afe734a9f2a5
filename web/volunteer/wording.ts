/**
 * What the page says, in plain language for someone who has never heard of grokking: what this
 * device can do, what pressing Start will do with it, what a unit is learning, and what became of
 * the results. Pure functions of plain data (tested in Node: tests/web/volunteer-wording.test.ts).
 */
import type { RunConfig } from "../../src/config/run-config.js";
import type { ModularOp } from "../../src/config/tasks.js";

/** What the browser offers, as the page found it (web/volunteer/device.ts). */
export interface DeviceCapabilities {
  /** WebAssembly SIMD: the training engine needs it. */
  simd: boolean;
  /** Cross-origin isolated: SharedArrayBuffer, hence more than one thread. */
  isolated: boolean;
  /** Logical cores the browser reports. */
  cores: number;
  /** The WebGPU adapter: still being looked for, none, or found (a human description). */
  gpu: { state: "checking" } | { state: "none" } | { state: "found"; adapter: string };
}

/** The volunteer's choices. */
export interface Choices {
  threads: number;
  allowGpu: boolean;
}

export interface DeviceFact {
  label: string;
  value: string;
  /** False: this limits what the device can contribute. */
  good: boolean;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString("en")} ${n === 1 ? one : many}`;

export function describeDevice(device: DeviceCapabilities): DeviceFact[] {
  const { gpu } = device;
  return [
    {
      label: "Vector instructions (WebAssembly SIMD)",
      value: device.simd ? "supported: the training engine can run here" : "not supported: this browser cannot train units",
      good: device.simd,
    },
    {
      label: "Several threads (cross-origin isolation)",
      value: device.isolated ? "available: a unit can train on several cores at once" : "not available: the page is not cross-origin isolated, so a unit trains on one core",
      good: device.isolated,
    },
    { label: "Processor cores", value: `${plural(device.cores, "logical core")}, as the browser reports`, good: true },
    {
      label: "Graphics card (WebGPU)",
      value: gpu.state === "checking" ? "checking…" : gpu.state === "none" ? "none available to this page: training uses the processor only" : `${gpu.adapter}: usable if you allow it below`,
      good: gpu.state !== "none",
    },
  ];
}

/** What pressing Start will do with this device and these choices: a few sentences. */
export function describePlan(device: DeviceCapabilities, { threads, allowGpu }: Choices): string[] {
  if (!device.simd) {
    return [
      "This browser lacks WebAssembly SIMD, which the training engine needs, so it cannot contribute. A current Chrome, Edge, Firefox or Safari has it.",
    ];
  }
  const free = device.cores - threads;
  const sentences = [
    `When you press Start, this page asks the project's server for a work unit (one small neural network to train, with settings a researcher chose), trains it in the background on ${plural(threads, "thread")}, sends the result back and asks for the next one.`,
    device.isolated
      ? free > 0
        ? `That leaves ${plural(free, "core")} of ${device.cores} for everything else you do.`
        : `That keeps all ${plural(device.cores, "core")} busy: other programs may feel slower while it trains.`
      : "It uses one core: threads need the page to be cross-origin isolated, and here it is not.",
  ];
  if (device.gpu.state === "found") {
    sentences.push(
      allowGpu
        ? "You allow the graphics card: units a study wants trained on GPUs may come here too, and train on it with WebGPU. Everything else still trains on the processor."
        : "The graphics card stays unused unless you allow it.",
    );
  }
  sentences.push("Nothing runs until you press Start. Pause, or closing the tab, stops at once.");
  return sentences;
}

const OPERATIONS: Record<ModularOp, string> = {
  add: "a + b",
  sub: "a − b",
  mul: "a × b",
  div: "a ÷ b",
  "x2+y2": "a² + b²",
  "x2+xy+y2": "a² + ab + b²",
  "x3+xy": "a³ + ab",
};

/** The unit in training, in words: what the network learns, from how much, and its main settings. */
export function describeUnit(config: RunConfig, backend: string): string {
  const { task, model, optimizer } = config;
  const learning =
    task.kind === "modular"
      ? `to compute ${OPERATIONS[task.op]} modulo ${task.p} from ${Math.round(task.trainFraction * 100)}% of all pairs (a, b), tested on the pairs it never saw`
      : `to recognise handwritten digits (MNIST) from ${task.trainSize.toLocaleString("en")} images, tested on ${task.testSize.toLocaleString("en")} others`;
  const network = model.kind === "mlp" ? `a network with ${plural(model.hidden.length, "hidden layer")}` : `a ${model.layers}-layer transformer`;
  const where = backend === "tfjs-webgpu" ? "on the graphics card" : "on the processor";
  return `${network[0].toUpperCase()}${network.slice(1)} learning ${learning}. Weight decay ${optimizer.weightDecay}, seed ${config.seed}, ${config.steps.toLocaleString("en")} steps, ${where}.`;
}

/** Why the server stopped a unit in training (the progress reply's reason), in words. */
export function describeStop(reason: string): string {
  if (reason === "unit_validated") return "other volunteers already validated it";
  if (reason === "unit_failed") return "its results kept disagreeing, so it was given up";
  if (reason === "lease_expired") return "this browser's claim on it ran out (it was silent too long, perhaps asleep)";
  return `the server said ${reason.replace(/_/g, " ")}`;
}

/** A result of this volunteer's, as GET /api/clients/me/results lists it. */
export interface ResultState {
  status: string;
  unitStatus: string;
  backend: string;
}

export type VerdictKind = "pending" | "validated" | "invalid" | "gpu-accepted" | "gpu-rejected";

export interface Verdict {
  kind: VerdictKind;
  /** A few words for the list. */
  label: string;
  /** Why, in a sentence. */
  detail: string;
}

export function verdictOf({ status, unitStatus, backend }: ResultState): Verdict {
  const gpu = backend !== "wasm-simd";
  switch (status) {
    case "valid":
      return { kind: "validated", label: "validated", detail: "Another volunteer's run of this unit gave exactly the same result." };
    case "invalid":
      return {
        kind: "invalid",
        label: "invalid",
        detail: unitStatus === "failed" ? "Volunteers kept disagreeing about this unit, so none of its results is used." : "Other volunteers' runs agreed on a different result.",
      };
    case "approximate-accepted":
      return { kind: "gpu-accepted", label: "GPU run accepted", detail: "Close enough to the validated processor run (GPU runs are never bit for bit identical)." };
    case "approximate-rejected":
      return { kind: "gpu-rejected", label: "GPU run not accepted", detail: "Further from the validated processor run than GPU rounding explains." };
    default:
      return gpu
        ? { kind: "pending", label: "waiting for validation", detail: "A GPU run is compared with the unit's processor runs once those agree." }
        : { kind: "pending", label: "waiting for a second volunteer", detail: "Another volunteer trains the same unit; the result counts once theirs matches." };
  }
}

/** The counts line above the list: how many units, and their verdicts. `capped`: the API listed its maximum, there may be more. */
export function summarizeVerdicts(results: readonly ResultState[], capped: boolean): string {
  if (results.length === 0) return "No units contributed from this browser yet.";
  const counts = new Map<string, number>();
  for (const result of results) {
    const { label } = verdictOf(result);
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  const parts = [...counts].map(([label, n]) => `${n} ${label}`);
  return `${capped ? "The latest " : ""}${plural(results.length, "unit")} contributed from this browser: ${parts.join(", ")}.`;
}

/** Seconds as "42 s", "3 min 5 s", "2 h 10 min"; "…" while unknown. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return "…";
  // Whole seconds, rounded up: "0 s" would read as done.
  const whole = Math.max(1, Math.ceil(seconds));
  if (whole < 60) return `${whole} s`;
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${whole % 60} s`;
  return `${Math.floor(whole / 3600)} h ${Math.floor((whole % 3600) / 60)} min`;
}

/** A count of floating-point operations with an SI prefix: 3.4 TFLOP. */
export function formatFlops(flops: number): string {
  const prefixes = ["", "k", "M", "G", "T", "P", "E"];
  let index = 0;
  let value = flops;
  while (Math.abs(value) >= 1000 && index < prefixes.length - 1) {
    value /= 1000;
    index++;
  }
  return `${index === 0 ? Math.round(value) : value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ${prefixes[index]}FLOP`;
}
