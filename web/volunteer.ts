/**
 * The volunteer page. It shows what this device can do and what pressing Start will do with it;
 * nothing trains before Start. Start runs the shared volunteer protocol (src/client/volunteer.ts:
 * register, lease offering the allowed backends, train with the lease's backend while reporting
 * progress, post the result, next lease; the CLI's `grokedge volunteer` runs the same loop): on the
 * processor in a coordinator Web Worker over a thread pool (trainInBackground), on the GPU with
 * TensorFlow.js on WebGPU when the volunteer allows it and the lease asks for it. Around it: live
 * uPlot charts of the unit, its pace from the run plan, this browser's results with their verdicts,
 * and the project's totals. The modules in web/volunteer/ each do one of these.
 */
import "uplot/dist/uPlot.min.css";
import { planRun, RunPace, trainInBackground } from "../src/index.js";
import { ApiFailure, createVolunteerApi, type LeaseBackend } from "../src/client/volunteer-api.js";
import { runVolunteer, type VolunteerEvents, type VolunteerHost } from "../src/client/volunteer.js";
import { createUnitCharts } from "./volunteer/charts.js";
import { createControls } from "./volunteer/controls.js";
import { hasWasmSimd, logicalCores } from "./volunteer/device.js";
import { findGpuAdapter, trainOnGpu } from "./volunteer/gpu.js";
import { identityStore } from "./volunteer/storage.js";
import { SETTLED_POLL_MS, showResults } from "./volunteer/verdicts.js";
import { describeDevice, describePlan, describeStop, describeUnit, formatDuration, formatFlops, verdictOf, type DeviceCapabilities } from "./volunteer/wording.js";

const STATS_INTERVAL_MS = 30_000;

const $ = (id: string): HTMLElement => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element;
};
const at = (path: string) => new URL(path, location.href).href;
const setText = (id: string, text: string) => void ($(id).textContent = text);

const device: DeviceCapabilities = { simd: hasWasmSimd(), isolated: crossOriginIsolated, cores: logicalCores(), gpu: { state: "checking" } };
const api = createVolunteerApi(location.origin);

// ---- messages ----------------------------------------------------------------------------------

function showError(context: string, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  console.error(context, error);
  setText("errors", `${new Date().toLocaleTimeString()}: ${context} failed: ${message}`);
}

function showDevice(): void {
  $("device").replaceChildren(
    ...describeDevice(device).flatMap((fact) => {
      const term = document.createElement("dt");
      term.textContent = fact.label;
      const value = document.createElement("dd");
      value.textContent = fact.value;
      if (!fact.good) value.className = "limited";
      return [term, value];
    }),
  );
}

function showPlan(): void {
  $("plan").replaceChildren(
    ...describePlan(device, controls.choices()).map((sentence) => {
      const paragraph = document.createElement("p");
      paragraph.textContent = sentence;
      return paragraph;
    }),
  );
}

// ---- the project's totals and this browser's verdicts ----------------------------------------------

async function refreshStats(): Promise<void> {
  try {
    const response = await fetch(at("/api/stats"));
    if (!response.ok) throw new Error(`GET /api/stats answered ${response.status}`);
    const stats = (await response.json()) as { volunteersActive: number; unitsValidated: number; trainingSteps: number; flops: number };
    setText("stat-volunteers", stats.volunteersActive.toLocaleString("en"));
    setText("stat-units", stats.unitsValidated.toLocaleString("en"));
    setText("stat-steps", stats.trainingSteps.toLocaleString("en"));
    setText("stat-flops", formatFlops(stats.flops));
  } catch (error) {
    showError("fetching the project's totals", error);
  }
}

let verdictTimer: ReturnType<typeof setTimeout> | undefined;
/** Shows this browser's results now, and schedules the next look (sooner while some await a verdict). */
async function refreshVerdicts(): Promise<void> {
  clearTimeout(verdictTimer);
  const client = identityStore.load();
  if (!client) return;
  let nextMs = SETTLED_POLL_MS;
  try {
    nextMs = showResults(await api.myResults(client.token));
  } catch (error) {
    // A registration this server no longer knows is renewed at the next Start; nothing to show until then.
    if (!(error instanceof ApiFailure && error.status === 401)) showError("fetching your results", error);
  }
  verdictTimer = setTimeout(() => void refreshVerdicts(), nextMs);
}

// ---- training ----------------------------------------------------------------------------------

const charts = createUnitCharts();

function offeredBackends(): LeaseBackend[] {
  return controls.choices().allowGpu ? ["wasm-simd", "tfjs-webgpu"] : ["wasm-simd"];
}

const host: VolunteerHost = {
  capabilities: () => ({ simd: device.simd, threads: device.isolated, cores: device.cores, webgpu: device.gpu.state === "found", userAgent: navigator.userAgent.slice(0, 500) }),
  identity: identityStore,
  backends: offeredBackends,
  train(config, { backend, onProgress, signal }) {
    if (backend === "tfjs-webgpu") return trainOnGpu(config, { onProgress, signal });
    return trainInBackground(config, {
      threads: controls.choices().threads,
      coordinatorUrl: at("/coordinator.js"),
      simdUrl: at("/build/simd.wasm"),
      threadsUrl: at("/build/simd-threads.wasm"),
      poolWorkerUrl: at("/pool-worker.js"),
      mnistUrl: at("/build/mnist.bin"),
      onProgress,
      signal,
    });
  },
};

function resetPace(): void {
  for (const id of ["pace-step", "pace-steps", "pace-gflops", "pace-eta"]) setText(id, "–");
}

function pageEvents(): VolunteerEvents {
  let pace: RunPace | null = null;
  return {
    registered: () => void refreshVerdicts(),
    leased(lease) {
      pace = new RunPace(lease.config, planRun(lease.config));
      charts.reset(lease.config.steps, lease.config.evalInterval);
      resetPace();
      setText("unit", `Unit ${lease.unitId.slice(0, 8)}: ${describeUnit(lease.config, lease.backend)}`);
      setText("status", `Training unit ${lease.unitId.slice(0, 8)}.`);
    },
    progress(_lease, progress) {
      // The step goes here, not in #status: a live region announcing every evaluation would drown a screen reader.
      const now = pace?.update(progress);
      setText("pace-step", `${progress.step.toLocaleString("en")} of ${progress.steps.toLocaleString("en")}`);
      setText("pace-steps", progress.stepsPerSecond > 0 ? progress.stepsPerSecond.toFixed(1) : "–");
      if (now) {
        setText("pace-gflops", now.flopsPerSecond === null ? "measuring…" : `${(now.flopsPerSecond / 1e9).toFixed(2)} GFLOP/s (billions of arithmetic operations per second)`);
        setText("pace-eta", formatDuration(now.etaSeconds));
      }
      if (progress.point) charts.add(progress.point);
    },
    stopped: (lease, reason) => setText("status", `The server stopped unit ${lease.unitId.slice(0, 8)}: ${describeStop(reason)}. Asking for the next one…`),
    completed(lease, result, verdict, wallSeconds) {
      const { meta } = result;
      setText("ran-on", meta.backend === "tfjs-webgpu" ? "the graphics card (WebGPU)" : `${meta.threads} thread${meta.threads === 1 ? "" : "s"} (${meta.build ?? meta.backend})${meta.note ? `: ${meta.note}` : ""}`);
      setText("pace-eta", "done");
      setText("errors", "");
      const { label } = verdictOf({ status: verdict.status, unitStatus: verdict.unit.status, backend: meta.backend });
      setText("status", `Unit ${lease.unitId.slice(0, 8)} done in ${formatDuration(wallSeconds)} and reported (${label}). Asking for the next one…`);
      void refreshVerdicts();
      void refreshStats();
    },
    idle: (retryMs) => setText("status", `No work available right now; asking again in ${formatDuration(retryMs / 1000)}.`),
    failed(context, error, retryMs) {
      showError(context, error);
      if (retryMs > 0) setText("status", `Something went wrong; trying again in ${formatDuration(retryMs / 1000)}.`);
    },
  };
}

/** The running protocol loop's stop switch; null while not running. */
let running: AbortController | null = null;

function start(): void {
  const abort = new AbortController();
  running = abort;
  controls.setRunning(true);
  setText("status", "Starting: asking the server for a unit…");
  void runVolunteer({ api, host, events: pageEvents(), signal: abort.signal }).catch((error: unknown) => {
    showError("contributing", error);
    if (running === abort) pause();
  });
}

function pause(): void {
  // Abandons the unit in training: the API has no way to take a lease back, so it returns to the pool when the lease expires.
  running?.abort(new Error("paused by the volunteer"));
  running = null;
  controls.setRunning(false);
  resetPace();
  setText("status", "Paused. Press Start to continue; an interrupted unit goes back to the pool for someone else.");
}

const controls = createControls(device, { start, pause, changed: showPlan });

window.addEventListener("error", (event) => showError("the page", event.error ?? event.message));
window.addEventListener("unhandledrejection", (event) => showError("the page", event.reason));
showDevice();
showPlan();
if (!device.simd) setText("status", "This browser cannot contribute: it lacks WebAssembly SIMD.");
findGpuAdapter()
  .then((adapter) => (device.gpu = adapter === null ? { state: "none" } : { state: "found", adapter }))
  .catch((error: unknown) => {
    device.gpu = { state: "none" };
    showError("looking for a graphics card", error);
  })
  .finally(() => {
    controls.showGpu(device.gpu);
    showDevice();
    showPlan();
  });
void refreshStats();
setInterval(() => void refreshStats(), STATS_INTERVAL_MS);
void refreshVerdicts();
