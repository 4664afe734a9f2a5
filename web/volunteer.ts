/**
 * The volunteer page: the shared volunteer protocol (src/client/volunteer.ts — register, lease, train
 * with progress reports, stop when told, post the result, next lease; the CLI's `grokedge volunteer`
 * runs the same loop) with training in a coordinator Web Worker over a thread pool (src/ops/pool/),
 * and the page around it: the registration kept in localStorage, what it computes, a live accuracy
 * curve, this browser's completed units and the global stats. Errors go on the page.
 */
import type { RunConfig } from "../src/config/run-config.js";
import type { CurvePoint } from "../src/config/run-result.js";
import { trainInBackground } from "../src/index.js";
import { createVolunteerApi, runVolunteer, type IdentityStore, type VolunteerEvents } from "../src/client/volunteer.js";
import type { RegisteredClient } from "../worker/src/schema.js";
import { drawCurve } from "./curve.js";

const STATS_INTERVAL_MS = 30_000;
const MAX_THREADS = 4;
const TOKEN_KEY = "grokedge.client";
const DONE_KEY = "grokedge.unitsDone";

const $ = <T extends HTMLElement = HTMLElement>(id: string) => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
};
const at = (path: string) => new URL(path, location.href).href;
const threads = Math.max(1, Math.min(MAX_THREADS, navigator.hardwareConcurrency || 1));

// ---- page state -------------------------------------------------------------------------------

/** Stops the running protocol loop (pause); null while paused. */
let loopAbort: AbortController | null = null;

function setStatus(text: string): void {
  $("status").textContent = text;
}
function showError(context: string, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  console.error(context, error);
  $("errors").textContent = `${new Date().toLocaleTimeString()} — ${context}: ${message}`;
}
function clearError(): void {
  $("errors").textContent = "";
}
function unitsDone(): number {
  return Number(localStorage.getItem(DONE_KEY) ?? 0) || 0;
}
function showUnitsDone(): void {
  $("units-done").textContent = String(unitsDone());
}

// ---- the API beyond the protocol: global stats ------------------------------------------------------

async function refreshStats(): Promise<void> {
  try {
    const response = await fetch(at("/api/stats"));
    if (!response.ok) throw new Error(`GET /api/stats: ${response.status}`);
    const body = (await response.json()) as { volunteersActive: number; unitsValidated: number; trainingSteps: number; flops: number };
    $("stat-volunteers").textContent = body.volunteersActive.toLocaleString();
    $("stat-units").textContent = body.unitsValidated.toLocaleString();
    $("stat-steps").textContent = body.trainingSteps.toLocaleString();
    $("stat-flops").textContent = body.flops.toExponential(2);
  } catch (error) {
    showError("global stats", error);
  }
}

// ---- the protocol, shown on the page --------------------------------------------------------------

/** SIMD support: WebAssembly.validate on a minimal module using a v128 instruction. */
function hasWasmSimd(): boolean {
  const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);
  return WebAssembly.validate(bytes);
}

const identity: IdentityStore = {
  load() {
    const stored = localStorage.getItem(TOKEN_KEY);
    return stored ? (JSON.parse(stored) as RegisteredClient) : null;
  },
  save(client) {
    if (!client) return localStorage.removeItem(TOKEN_KEY);
    localStorage.setItem(TOKEN_KEY, JSON.stringify(client));
    localStorage.setItem(DONE_KEY, "0");
  },
};

function describe(config: RunConfig): string {
  const { task, model, optimizer } = config;
  const taskText = task.kind === "modular" ? `a ${task.op} b mod ${task.p}, train fraction ${task.trainFraction}` : task.kind;
  const details = Object.entries(model)
    .filter(([key, value]) => key !== "kind" && (typeof value === "number" || Array.isArray(value) || typeof value === "string"))
    .map(([key, value]) => `${key} ${Array.isArray(value) ? `[${value.join(", ")}]` : String(value)}`)
    .join(", ");
  return `${taskText} · ${model.kind} (${details}) · ${optimizer.kind} lr ${optimizer.lr} wd ${optimizer.weightDecay} · seed ${config.seed}`;
}

/** The page's view of the loop: status line, run description, curve, counters, errors. */
function pageEvents(): VolunteerEvents {
  const canvas = $<HTMLCanvasElement>("curve");
  let points: CurvePoint[] = [];
  let last = { step: 0, time: 0 };
  let rate = 0;
  return {
    registered: (client) => ($("client-id").textContent = client.clientId),
    leased(lease) {
      points = [];
      last = { step: 0, time: performance.now() };
      rate = 0;
      drawCurve(canvas, points, lease.config.steps);
      $("run").textContent = `Unit ${lease.unitId}: ${describe(lease.config)}`;
      setStatus("Loading the engine…");
    },
    progress(lease, progress) {
      const now = performance.now();
      if (progress.step > last.step && now > last.time) {
        rate = ((progress.step - last.step) * 1000) / (now - last.time);
        last = { step: progress.step, time: now };
      }
      setStatus(`Training: step ${progress.step} / ${progress.steps}${rate > 0 ? ` · ${rate.toFixed(1)} steps/s` : ""}`);
      if (!progress.point) return;
      points.push(progress.point);
      drawCurve(canvas, points, lease.config.steps);
    },
    stopped: (_lease, reason) => setStatus(`The server stopped this unit (${reason}).`),
    completed(_lease, result, verdict, wallSeconds) {
      $("threads").textContent = `${result.meta.threads} (${result.meta.build ?? result.meta.backend})${result.meta.note ? ` — ${result.meta.note}` : ""}`;
      localStorage.setItem(DONE_KEY, String(unitsDone() + 1));
      showUnitsDone();
      clearError();
      setStatus(`Unit done in ${wallSeconds.toFixed(1)} s (result ${verdict.status}, unit ${verdict.unit.status}).`);
      void refreshStats();
    },
    idle: (retryMs) => setStatus(`No work right now; asking again in ${Math.round(retryMs / 1000)} s.`),
    failed(context, error, retryMs) {
      showError(context, error);
      if (retryMs > 0) setStatus(`Something went wrong; retrying in ${Math.round(retryMs / 1000)} s.`);
    },
  };
}

/** Runs the protocol until paused. */
async function work(): Promise<void> {
  const abort = new AbortController();
  loopAbort = abort;
  const clientId = identity.load()?.clientId;
  if (clientId) $("client-id").textContent = clientId;
  try {
    await runVolunteer({
      api: createVolunteerApi(location.origin),
      host: {
        capabilities: () => ({ simd: hasWasmSimd(), threads: crossOriginIsolated, cores: Math.max(1, Math.min(1024, navigator.hardwareConcurrency || 1)), webgpu: "gpu" in navigator, userAgent: navigator.userAgent.slice(0, 500) }),
        identity,
        train: (config, { onProgress, signal }) =>
          trainInBackground(config, {
            threads,
            coordinatorUrl: at("/coordinator.js"),
            simdUrl: at("/build/simd.wasm"),
            threadsUrl: at("/build/simd-threads.wasm"),
            poolWorkerUrl: at("/pool-worker.js"),
            mnistUrl: at("/build/mnist.bin"),
            onProgress,
            signal,
          }),
      },
      events: pageEvents(),
      signal: abort.signal,
    });
  } catch (error) {
    showError("work loop", error);
  }
}

function start(): void {
  const button = $<HTMLButtonElement>("pause");
  button.addEventListener("click", () => {
    const pausing = loopAbort !== null;
    button.textContent = pausing ? "Resume" : "Pause";
    // Pausing abandons the current unit (its lease expires and it goes back to the pool).
    if (pausing) {
      loopAbort!.abort(new Error("paused"));
      loopAbort = null;
      setStatus("Paused.");
    } else void work();
  });
  window.addEventListener("error", (event) => showError("page", event.error ?? event.message));
  window.addEventListener("unhandledrejection", (event) => showError("page", event.reason));
  $("threads").textContent = crossOriginIsolated ? `${threads}` : `1 (the page is not cross-origin isolated; asked for ${threads})`;
  showUnitsDone();
  drawCurve($<HTMLCanvasElement>("curve"), [], 1);
  void refreshStats();
  setInterval(() => void refreshStats(), STATS_INTERVAL_MS);
  void work();
}

start();
